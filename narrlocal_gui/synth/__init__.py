"""The synthetic dataset tool behind ``narrlocal synth``: narrated clips of moving shapes with
the ground truth of where each described thing is. Scenes (scene), their timelines (plan),
narration (narration), rendering (render), the manifest of what was drawn (manifest) and the
dataset writer (dataset). It may import the localizer (the pointing-dataset format); the
localizer never imports it."""
