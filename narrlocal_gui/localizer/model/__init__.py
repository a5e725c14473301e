"""The CoMMA network: its configuration (config), attention masks (masks), the torch
module and its typed front (network: imports torch), checkpoints (checkpoints), attention
rollout into heat maps (rollout) and the training losses (losses). Only config and masks
are torch-free; import the rest only where a model is needed."""
