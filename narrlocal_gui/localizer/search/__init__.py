"""Find a moment by typing: the span of a video that a typed query describes (issue 19).

In the spirit of ASST (Ning et al., "Attentive Sequence to Sequence Translation for
Localizing Clips of Interest by Natural Language Descriptions"): per-frame evidence for the
query over the whole video, span proposals at several lengths scored by how much more
evidence they hold than their surroundings, non-maximum suppression and boundary
refinement. Nothing here is trained; the evidence comes from the localizer's pretrained
encoders and the narration.

* ``moment.py``: the typed results (:class:`Moment`) and the fusion weights;
* ``query.py``: what a typed query must be, and its message when it is not;
* ``spans.py``: proposals, scoring, NMS and refinement on evidence curves (numpy only);
* ``video_index.py``: the per-frame picture and motion features of a whole video, cached on
  disk by the media fingerprint;
* ``narration_index.py``: the narration's words as timed text windows with MiniLM vectors;
* ``engine.py``: :class:`SearchEngine`, the one entry point (search, action spans);
* ``moments_eval.py``: the ``narrlocal eval moments`` dataset, metrics and baselines.

No Qt; torch only through the encoders, when they are loaded.
"""
