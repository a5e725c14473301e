"""Training CoMMA: the clips cut from narrated videos (clips), their encoder features
extracted once into shards (extraction), those shards read back as batches (feature_store),
the run's configuration (config), the loop (loop) with its pair scoring and losses (pairs),
resuming (resume), several GPUs (distributed), validation (validation) and the run log and
plots (report)."""
