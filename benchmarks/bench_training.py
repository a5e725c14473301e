"""Cost of CoMMA training on this machine.

Prints:
  * training throughput of the default config (and a few others with --configs all):
    clips per second and seconds per step for a full step (all B x B pairs forward, the
    sentence loss, backward, AdamW), and the process's peak memory (each config measured in
    its own process, so the peaks do not mix);
  * feature extraction time per hour of video (decode + EfficientNet-Lite0 grids + MiniLM
    words, everything ``narrlocal train`` does before the first step), both for the frames a
    default ``narrlocal train`` encodes and for a full extraction, on the narrated
    ../shared/media/narrated/manifesto.mp4 (88 s, with its word-timed transcript) and on a
    small synthetic set (``narrlocal synth``, 320x240).

Usage: .venv/bin/python benchmarks/bench_training.py [--configs default|all] [--steps N]
       [--skip-extraction] [--skip-throughput]
Features for throughput are random with the real shapes (a 16:9 video's 7 x 12 grid and a
4:3 one's 7 x 9 at 224 px, 8 words): the cost of a step does not depend on their values.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SHARED = REPO.parent / "shared" / "media" / "narrated"

#: name -> (overrides of the default model config, batch size, grid)
CONFIGS: dict[str, tuple[dict[str, object], int, tuple[int, int]]] = {
    "default 4:3 (7x9)": ({}, 0, (7, 9)),
    "default 16:9 (7x12)": ({}, 0, (7, 12)),
    "width 256, 4 heads": ({"width": 256, "heads": 4}, 0, (7, 12)),
    "16 frames": ({"max_frames": 16}, 0, (7, 12)),
    "batch 32": ({}, 32, (7, 12)),
}


def _throughput(name: str, steps: int) -> dict[str, float]:
    """One config, in this process: seconds per step after one warm-up step."""
    from dataclasses import replace

    import torch

    from narrlocal_gui.localizer.encoders.video_encoder import set_torch_threads
    from narrlocal_gui.localizer.model.network import CommaModel
    from narrlocal_gui.localizer.training.config import TrainConfig
    from narrlocal_gui.localizer.training.pairs import pair_scorer, step_losses

    set_torch_threads()
    overrides, batch, (rows, cols) = CONFIGS[name]
    base = TrainConfig()
    config = replace(
        base,
        model=replace(base.model, **overrides),  # type: ignore[arg-type]
        batch_size=batch or base.batch_size,
    )
    b, t = config.batch_size, config.model.max_frames
    gen = torch.Generator().manual_seed(0)
    video = torch.rand(b, t, 1280, rows, cols, generator=gen) * 3
    words = torch.randn(b, 8, 384, generator=gen)
    mask = torch.ones(b, 8, dtype=torch.bool)
    videos = torch.arange(b)
    middles = torch.zeros(b)
    model = CommaModel(config.model).train()
    scorer = pair_scorer(model, config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr)
    times = []
    for _ in range(steps + 1):
        began = time.perf_counter()
        losses = step_losses(scorer, video, words, mask, videos, middles, config)
        optimizer.zero_grad()
        losses.total.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        optimizer.step()
        times.append(time.perf_counter() - began)
    per_step = sorted(times[1:])[len(times[1:]) // 2]
    return {
        "batch": b,
        "frames": t,
        "width": config.model.width,
        "seconds_per_step": per_step,
        "clips_per_second": b / per_step,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "threads": torch.get_num_threads(),
    }


def _extraction(data: Path, label: str, max_frames: int | None) -> None:
    from narrlocal_gui.localizer.training.clips import ClipSettings, find_training_videos
    from narrlocal_gui.localizer.training.config import TrainConfig
    from narrlocal_gui.localizer.training.extraction import extract_features

    videos = find_training_videos(data, split=None)
    settings = ClipSettings(features=TrainConfig().model.video_features, max_frames=max_frames)
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        index = extract_features(videos, Path(tmp) / "features", settings=settings)
        total = time.perf_counter() - began
    seconds = sum(index.video_seconds.values())
    frames = index.frames_encoded
    which = "every sample" if max_frames is None else f"the {max_frames} frames a clip trains on"
    print(
        f"{label}, {which}: {len(videos)} video(s), {seconds:.0f} s of video, "
        f"{index.clip_count} clips, {frames} frames encoded; {total:.1f} s in all (decoding and "
        f"planning included) = {total / seconds * 3600:.0f} s per hour of video; encoding alone "
        f"{index.extraction_seconds / seconds * 3600:.0f} s per hour "
        f"({index.extraction_seconds / max(frames, 1) * 1000:.0f} ms a frame)"
    )


def _synthetic(folder: Path) -> Path:
    from narrlocal_gui.synth.dataset import SynthSettings, generate_dataset

    generate_dataset(folder, SynthSettings(clips=8, seed=1, split=(1.0, 0.0, 0.0)))
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", choices=("default", "all"), default="default")
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--skip-extraction", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a config, in a child process
    args = parser.parse_args()
    if args.one:
        print(json.dumps(_throughput(args.one, args.steps)))
        return
    names = list(CONFIGS) if args.configs == "all" else list(CONFIGS)[:2]
    if args.skip_throughput:
        names = []
    print("Training throughput (forward of all B x B pairs + backward + AdamW):")
    for name in names:
        out = subprocess.run(
            [sys.executable, __file__, "--one", name, "--steps", str(args.steps)],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"  {name:<22} B={r['batch']:<3} T={r['frames']:<3} D={r['width']:<4} "
            f"{r['seconds_per_step']:6.2f} s/step  {r['clips_per_second']:6.2f} clips/s  "
            f"peak RSS {r['peak_rss_mb']:6.0f} MB  ({r['threads']} threads)"
        )
    if args.skip_extraction:
        return
    from narrlocal_gui.localizer.encoders.text_encoder import TextEncoder
    from narrlocal_gui.localizer.encoders.video_encoder import VideoEncoder
    from narrlocal_gui.localizer.training.config import TrainConfig

    # What a default `narrlocal train` encodes, and a full extraction (serves any --frames).
    frame_choices = (TrainConfig().model.max_frames, None)
    began = time.perf_counter()
    VideoEncoder.load(), TextEncoder.load()  # once a process: not a cost per hour of video
    print(f"Feature extraction (encoders loaded first, in {time.perf_counter() - began:.1f} s):")
    manifesto = SHARED / "manifesto.mp4"
    if manifesto.is_file():
        with tempfile.TemporaryDirectory() as tmp:
            listing = Path(tmp) / "videos.txt"
            listing.write_text(f"{manifesto}\t{SHARED / 'manifesto.json'}\n", encoding="utf-8")
            for max_frames in frame_choices:
                _extraction(listing, "  manifesto.mp4 (320x180)", max_frames)
    else:
        print("  (../shared/media absent: the real video is skipped)")
    with tempfile.TemporaryDirectory() as tmp:
        data = _synthetic(Path(tmp) / "synth")
        for max_frames in frame_choices:
            _extraction(data, "  synthetic (320x240, 8 s clips)", max_frames)


if __name__ == "__main__":
    main()
