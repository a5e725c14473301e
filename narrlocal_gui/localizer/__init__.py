"""The localizer: for a phrase and the frames around it, where and when the described thing
is seen. Subpackages: ``encoders`` (pretrained video and text encoders, their weights and
cache), ``model`` (the CoMMA network, rollout, losses), ``methods`` (every method behind one
interface, and the registry that creates them) and ``training``; beside them the settings,
clip sampling, frame choice, heat maps, the pipeline, the pointing evaluation and adaptation.
torch lives here and only here: model/network.py and model/checkpoints.py import it, and
nothing the GUI imports at start-up imports them (tests/test_layering.py)."""
