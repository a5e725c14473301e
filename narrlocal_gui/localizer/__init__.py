"""The localizer: for a phrase and the frames around it, where and when the described thing
is seen. Feature encoders, the CoMMA model, inference by attention rollout, baselines and
the pointing evaluation. torch lives here and only here, imported when first needed."""
