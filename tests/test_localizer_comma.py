"""CoMMA: the attention masks really isolate what the paper says they isolate, shapes,
determinism, checkpoints, rollout and the CommaLocalizer on random weights."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from narrlocal_gui.errors import UserFacingError  # noqa: E402
from narrlocal_gui.localizer.frame_choice import frame_groups  # noqa: E402
from narrlocal_gui.localizer.methods.comma import CommaLocalizer  # noqa: E402
from narrlocal_gui.localizer.model.checkpoints import (  # noqa: E402
    CheckpointError,
    load_checkpoint,
    save_checkpoint,
)
from narrlocal_gui.localizer.model.config import CommaConfig, last_cross_layer, parse_layers  # noqa: E402
from narrlocal_gui.localizer.model.masks import attention_mask  # noqa: E402
from narrlocal_gui.localizer.model.network import CommaModel  # noqa: E402
from narrlocal_gui.localizer.model.rollout import attention_rollout, comma_heatmap  # noqa: E402
from narrlocal_gui.localizer.types import ClipInput, Localization  # noqa: E402

VIDEO_DIM, WORD_DIM = 12, 10
GRID = (3, 2, 4)  # T, h, w
N_WORDS = 5


def config(**changes: object) -> CommaConfig:
    base: dict[str, object] = {
        "video_dim": VIDEO_DIM,
        "word_dim": WORD_DIM,
        "width": 16,
        "heads": 2,
        "dropout": 0.0,
        "ff_mult": 2,
        "max_frames": 8,
        "max_grid": 8,
        "max_words": 8,
    }
    base.update(changes)
    return CommaConfig(**base)  # type: ignore[arg-type]


def inputs(seed: int = 0, batch: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    t, h, w = GRID
    video = torch.randn(batch, t, VIDEO_DIM, h, w, generator=g)
    words = torch.randn(batch, N_WORDS, WORD_DIM, generator=g)
    return video, words


def hidden_after_first_layer(
    model: CommaModel, video: torch.Tensor, words: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """(video tokens (T, h, w, D), word tokens (N, D)) leaving layer 1."""
    out = model(video, words, return_hidden=True)
    tokens = out.hidden[1][0]
    n_video = out.n_video
    return tokens[:n_video].reshape(*GRID, -1), tokens[n_video : n_video + N_WORDS]


# -- config ---------------------------------------------------------------------------------


def test_parse_layers_and_config_validation() -> None:
    assert parse_layers("ca, sa,CA") == ("CA", "SA", "CA")
    with pytest.raises(ValueError):
        parse_layers("CA,XX")
    assert config().layers == ("CA", "SA", "CA")
    with pytest.raises(ValueError):
        config(layers=("SA",))  # nothing to localize from
    with pytest.raises(ValueError):
        config(width=15)  # not divisible by heads
    with pytest.raises(ValueError):
        config(self_attention="diagonal")
    with pytest.raises(ValueError):
        config(dropout=1.0)
    assert config(layers=("FULL",)).has_sentinel
    assert last_cross_layer(config(layers=("CA", "SA", "CA", "SA")).layers) == 2
    cfg = config(layers=("CA", "CA"), similarity="cosine")
    assert CommaConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError):
        CommaConfig.from_dict({**cfg.to_dict(), "colour": "red"})


# -- masks ----------------------------------------------------------------------------------


def test_mask_blocks() -> None:
    nv = 3 * 2 * 4
    ca = attention_mask("CA", GRID, N_WORDS)
    assert ca.shape == (nv + N_WORDS,) * 2
    assert not ca[:nv, :nv].any() and ca[:nv, nv:].all()
    assert ca[nv:, :nv].all() and not ca[nv:, nv:].any()
    sa = attention_mask("SA", GRID, N_WORDS)
    assert sa[:nv, :nv].all() and sa[nv:, nv:].all()
    assert not sa[:nv, nv:].any() and not sa[nv:, :nv].any()
    full = attention_mask("FULL", GRID, N_WORDS, sentinel=True)
    assert full.all() and full.shape == (nv + N_WORDS + 1,) * 2
    ca_s = attention_mask("CA", GRID, N_WORDS, sentinel=True)
    assert ca_s[-1].sum() == 1 and ca_s[:, -1].sum() == 1  # the sentinel only sees itself


def test_spatial_and_temporal_masks() -> None:
    t, h, w = GRID
    per_frame = h * w
    spatial = attention_mask("SA", GRID, N_WORDS, self_attention="spatial")
    temporal = attention_mask("SA", GRID, N_WORDS, self_attention="temporal")
    for q in range(t * per_frame):
        for k in range(t * per_frame):
            assert spatial[q, k] == (q // per_frame == k // per_frame)
            assert temporal[q, k] == (q % per_frame == k % per_frame)


def test_attention_weights_are_zero_where_masked() -> None:
    model = CommaModel(config(layers=("CA", "SA", "CA"))).eval()
    video, words = inputs()
    out = model(video, words, return_attention=True)
    for kind, weights in zip(model.config.layers, out.attentions, strict=True):
        mask = torch.from_numpy(attention_mask(kind, GRID, N_WORDS))
        assert weights.shape == (1, 2, *mask.shape)
        assert float(weights.detach()[..., ~mask].abs().max()) == 0.0
        torch.testing.assert_close(weights.sum(-1), torch.ones_like(weights.sum(-1)))


# -- what feeds what, layer by layer --------------------------------------------------------


def test_cross_attention_video_tokens_see_only_words() -> None:
    model = CommaModel(config(layers=("CA",))).eval()
    video, words = inputs()
    v0, w0 = hidden_after_first_layer(model, video, words)
    other = video.clone()
    other[:, :, :, 1:, :] += 3.0  # every video token except row 0 of each frame
    other[:, 1:, :, 0, :] += 3.0  # ... and row 0 of later frames: only (t=0, y=0, x=*) kept
    v1, w1 = hidden_after_first_layer(model, other, words)
    torch.testing.assert_close(v1[0, 0], v0[0, 0], rtol=0, atol=1e-6)
    assert not torch.allclose(w1, w0)  # words attend to the video, so they do change
    changed_words = words.clone()
    changed_words[:, 1:] += 3.0
    v2, _ = hidden_after_first_layer(model, video, changed_words)
    assert not torch.allclose(v2[0, 0], v0[0, 0])  # control: words do feed video tokens


def test_cross_attention_words_see_only_video() -> None:
    model = CommaModel(config(layers=("CA",))).eval()
    video, words = inputs()
    _, w0 = hidden_after_first_layer(model, video, words)
    changed = words.clone()
    changed[:, 1:] = torch.randn(1, N_WORDS - 1, WORD_DIM)
    _, w1 = hidden_after_first_layer(model, video, changed)
    torch.testing.assert_close(w1[0], w0[0], rtol=0, atol=1e-6)
    assert not torch.allclose(w1[1:], w0[1:])


def test_cross_attention_has_no_residual_path() -> None:
    """Equation (2): a CA layer outputs what each token gathered from the other modality
    only. With one video token every word can gather just that token, so all word outputs
    are equal; with a residual (the dual-encoder shortcut that made the trained heat maps
    miss the described object) each word would keep its own features."""
    video = torch.randn(1, 1, VIDEO_DIM, 1, 1, generator=torch.Generator().manual_seed(3))
    _, words = inputs()
    model = CommaModel(config(layers=("CA",))).eval()
    assert model.config.cross_residual is False
    tokens = model(video, words, return_hidden=True).hidden[1][0]
    torch.testing.assert_close(tokens[1:], tokens[1:2].expand(N_WORDS, -1), rtol=0, atol=1e-6)
    residual = CommaModel(config(layers=("CA",), cross_residual=True)).eval()
    kept = residual(video, words, return_hidden=True).hidden[1][0]
    assert not torch.allclose(kept[1:], kept[1:2].expand(N_WORDS, -1))


def test_old_checkpoint_configs_keep_the_cross_residual() -> None:
    data = config().to_dict()
    assert data["cross_residual"] is False
    del data["cross_residual"]
    assert CommaConfig.from_dict(data).cross_residual is True


def test_the_video_feature_level_is_part_of_the_config() -> None:
    data = config(video_features="mid").to_dict()
    assert CommaConfig.from_dict(data).video_features == "mid"
    del data["video_features"]  # checkpoints from before levels read the head's grids
    assert CommaConfig.from_dict(data).video_features == "head"
    with pytest.raises(ValueError, match="video_features must be one of head, mid"):
        config(video_features="top")


def test_self_attention_never_mixes_modalities() -> None:
    model = CommaModel(config(layers=("SA", "CA"))).eval()
    video, words = inputs()
    v0, w0 = hidden_after_first_layer(model, video, words)
    v1, _ = hidden_after_first_layer(model, video, words + 5.0)
    torch.testing.assert_close(v1, v0, rtol=0, atol=1e-6)
    _, w2 = hidden_after_first_layer(model, video + 5.0, words)
    torch.testing.assert_close(w2, w0, rtol=0, atol=1e-6)
    # Within the video, a spatiotemporal SA does mix frames (the control for the next test).
    later = video.clone()
    later[:, 1:] += 3.0
    v3, _ = hidden_after_first_layer(model, later, words)
    assert not torch.allclose(v3[0], v0[0])


def test_spatial_self_attention_does_not_mix_frames() -> None:
    model = CommaModel(config(layers=("SA", "CA"), self_attention="spatial")).eval()
    video, words = inputs()
    v0, _ = hidden_after_first_layer(model, video, words)
    later = video.clone()
    later[:, 1:] += 3.0
    v1, _ = hidden_after_first_layer(model, later, words)
    torch.testing.assert_close(v1[0], v0[0], rtol=0, atol=1e-6)
    first = video.clone()
    first[:, 0, :, 0, 0] += 3.0  # one cell of frame 0 changes the rest of frame 0
    v2, _ = hidden_after_first_layer(model, first, words)
    assert not torch.allclose(v2[0, 1, 1], v0[0, 1, 1])
    torch.testing.assert_close(v2[1:], v0[1:], rtol=0, atol=1e-6)


def test_temporal_self_attention_stays_in_its_cell() -> None:
    model = CommaModel(config(layers=("SA", "CA"), self_attention="temporal")).eval()
    video, words = inputs()
    v0, _ = hidden_after_first_layer(model, video, words)
    changed = video.clone()
    changed[:, :, :, 1:, :] += 3.0  # every cell but row 0
    v1, _ = hidden_after_first_layer(model, changed, words)
    torch.testing.assert_close(v1[:, 0], v0[:, 0], rtol=0, atol=1e-6)
    one = video.clone()
    one[:, 2, :, 0, 0] += 3.0  # cell (0, 0) of the last frame reaches the same cell earlier
    v2, _ = hidden_after_first_layer(model, one, words)
    assert not torch.allclose(v2[0, 0, 0], v0[0, 0, 0])


# -- outputs --------------------------------------------------------------------------------


def test_output_shapes_and_pooling() -> None:
    model = CommaModel(config()).eval()
    video, words = inputs(batch=2)
    out = model(video, words, return_attention=True, return_hidden=True)
    t, h, w = GRID
    assert out.video_tokens.shape == (2, t, h, w, 16)
    assert out.word_tokens.shape == (2, N_WORDS, 16)
    assert out.video_embedding.shape == out.text_embedding.shape == (2, 16)
    assert out.layer_video_embeddings.shape == (2, 3, 16)
    assert out.score.shape == (2,)
    assert out.word_values.shape == (2, N_WORDS, 16)
    assert len(out.attentions) == 3 and len(out.hidden) == 4
    torch.testing.assert_close(out.video_embedding, out.video_tokens.mean(dim=(1, 2, 3)))
    torch.testing.assert_close(out.text_embedding, out.word_tokens.mean(dim=1))
    torch.testing.assert_close(out.layer_video_embeddings[:, -1], out.video_embedding)
    torch.testing.assert_close(out.score, (out.video_embedding * out.text_embedding).sum(-1))


@pytest.mark.parametrize(
    ("layers", "self_attention"),
    [
        (("CA", "SA", "CA"), "spatiotemporal"),
        (("SA", "CA"), "spatial"),
        (("SA", "CA"), "temporal"),
        (("CA",), "spatiotemporal"),
    ],
)
def test_block_attention_equals_the_full_mask(layers: tuple[str, ...], self_attention: str) -> None:
    # Without weights asked for, CA and SA layers attend block by block; with them, through
    # the (L, L) mask. Padded words included: their keys must stay out of both.
    model = CommaModel(config(layers=layers, self_attention=self_attention)).eval()
    video, words = inputs(batch=2)
    words = torch.cat([words, torch.randn(2, 2, WORD_DIM)], dim=1)
    mask = torch.tensor([[True] * (N_WORDS + 2), [True] * N_WORDS + [False, False]])
    fast = model(video, words, mask, return_hidden=True)
    explicit = model(video, words, mask, return_attention=True, return_hidden=True)
    torch.testing.assert_close(fast.score, explicit.score, rtol=1e-5, atol=1e-5)
    for a, b in zip(fast.hidden, explicit.hidden, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)


def test_padding_words_changes_nothing() -> None:
    model = CommaModel(config()).eval()
    video, words = inputs()
    plain = model(video, words)
    padded = torch.cat([words, torch.randn(1, 2, WORD_DIM)], dim=1)
    mask = torch.tensor([[True] * N_WORDS + [False, False]])
    out = model(video, padded, mask)
    torch.testing.assert_close(out.score, plain.score, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(out.text_embedding, plain.text_embedding, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError):
        model(video, padded, torch.zeros(1, N_WORDS + 2, dtype=torch.bool))


def test_pair_scores_diagonal_is_the_true_pairs() -> None:
    model = CommaModel(config()).eval()
    video, words = inputs(batch=3)
    matrix = model.pair_scores(video, words, chunk=4)
    assert matrix.shape == (3, 3)
    torch.testing.assert_close(torch.diagonal(matrix), model(video, words).score)
    torch.testing.assert_close(matrix[0, 2], model(video[:1], words[2:]).score[0])


def test_full_attention_ablation_scores_with_a_sentinel() -> None:
    model = CommaModel(config(layers=("FULL", "FULL"), similarity="cosine")).eval()
    video, words = inputs(batch=2)
    out = model(video, words, return_attention=True)
    assert out.score.shape == (2,)
    nv = out.n_video
    assert out.attentions[0].shape[-1] == nv + N_WORDS + 1
    # Full attention mixes everything: video tokens do see other video tokens.
    assert float(out.attentions[0].detach()[0, :, 0, 1:nv].sum()) > 0


def test_gradients_flow_to_every_parameter() -> None:
    model = CommaModel(config(dropout=0.1)).train()
    video, words = inputs(batch=2)
    loss = model.pair_scores(video, words).logsumexp(dim=1).mean()
    loss.backward()
    unused = [
        name
        for name, p in model.module.named_parameters()
        if p.grad is None and not name.startswith("word_value")
    ]
    assert not unused


def test_same_seed_same_output_and_inputs_are_checked() -> None:
    video, words = inputs()
    a = CommaModel(config(), seed=3).eval()(video, words).score
    b = CommaModel(config(), seed=3).eval()(video, words).score
    c = CommaModel(config(), seed=4).eval()(video, words).score
    assert torch.equal(a, b)
    assert not torch.equal(a, c)
    model = CommaModel(config()).eval()
    with pytest.raises(ValueError):
        model(torch.randn(1, 9, VIDEO_DIM, 2, 2), words)  # more frames than max_frames
    with pytest.raises(ValueError):
        model(video, torch.randn(1, N_WORDS, WORD_DIM + 1))


# -- checkpoints ----------------------------------------------------------------------------


def test_checkpoint_round_trip(tmp_path: Path) -> None:
    model = CommaModel(config(layers=("CA", "CA")), seed=5).eval()
    path = save_checkpoint(model, tmp_path / "m.pt", meta={"steps": 10})
    loaded = load_checkpoint(path)
    assert loaded.config == model.config
    video, words = inputs()
    torch.testing.assert_close(loaded(video, words).score, model(video, words).score)
    assert not loaded.module.training
    assert [p.name for p in tmp_path.iterdir()] == ["m.pt"]  # no temporary left behind


def test_bad_checkpoints_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "none.pt")
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a checkpoint at all")
    with pytest.raises(CheckpointError):
        load_checkpoint(junk)
    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(2)}, other)
    with pytest.raises(CheckpointError, match="not a NarrLocal CoMMA checkpoint"):
        load_checkpoint(other)
    # Arbitrary pickled objects are refused (weights_only), not executed.
    evil = tmp_path / "evil.pt"
    evil.write_bytes(pickle.dumps(Path("x"), protocol=2))
    with pytest.raises(CheckpointError):
        load_checkpoint(evil)
    model = CommaModel(config())
    good = save_checkpoint(model, tmp_path / "good.pt")
    payload = torch.load(good, weights_only=True)
    payload["state_dict"].pop("video_proj.weight")
    torch.save(payload, tmp_path / "damaged.pt")
    with pytest.raises(CheckpointError, match="damaged"):
        load_checkpoint(tmp_path / "damaged.pt")
    assert issubclass(CheckpointError, UserFacingError)


# -- rollout --------------------------------------------------------------------------------


def _random_attention(rng: np.random.Generator, size: int) -> np.ndarray:
    a = rng.random((size, size))
    return np.asarray(a / a.sum(axis=1, keepdims=True))


def test_rollout_is_the_product_of_residual_augmented_layers() -> None:
    rng = np.random.default_rng(0)
    mats = [_random_attention(rng, 6) for _ in range(3)]
    eye = np.eye(6)
    full = np.eye(6)
    for m in mats:  # first layer first: R = A3~ A2~ A1~
        full = (0.5 * m + 0.5 * eye) @ full
    rows = np.array([4, 5])
    np.testing.assert_allclose(attention_rollout(mats, rows), full[rows])
    np.testing.assert_allclose(attention_rollout(mats[:1], rows), (0.5 * mats[0] + 0.5 * eye)[rows])
    heads = np.stack([mats[0], mats[1]])
    np.testing.assert_allclose(
        attention_rollout([heads], slice(None)), 0.5 * (mats[0] + mats[1]) / 2 + 0.5 * eye
    )


def test_comma_heatmap_from_the_last_cross_layer() -> None:
    model = CommaModel(config(layers=("CA",))).eval()
    video, words = inputs()
    out = model(video, words, return_attention=True)
    heat = comma_heatmap(out, model.config.layers)
    assert heat.shape == GRID and heat.dtype == np.float32
    nv = out.n_video
    direct = out.attentions[0][0].detach().mean(0)[nv:, :nv].mean(0).reshape(GRID).numpy()
    np.testing.assert_allclose(heat, 0.5 * direct, rtol=1e-5)
    # Layers after the last cross-modal one do not take part.
    deeper = CommaModel(config(layers=("CA", "SA"))).eval()
    out2 = deeper(video, words, return_attention=True)
    direct2 = out2.attentions[0][0].detach().mean(0)[nv:, :nv].mean(0).reshape(GRID).numpy()
    np.testing.assert_allclose(comma_heatmap(out2, deeper.config.layers), 0.5 * direct2, rtol=1e-5)


class FakeVideoEncoder:
    """(T, H, W, 3) -> (T, 12, H/16, W/16), brighter cells give larger features."""

    def __init__(self) -> None:
        self.levels: list[str] = []

    def encode(
        self, frames: np.ndarray, *, short_side: int = 224, level: str = "head"
    ) -> np.ndarray:
        self.levels.append(level)
        t, height, width, _ = frames.shape
        cells = frames[:, : height // 16 * 16, : width // 16 * 16].astype(np.float32) / 255.0
        cells = cells.reshape(t, height // 16, 16, width // 16, 16, 3).mean(axis=(2, 4, 5))
        return np.repeat(cells[:, None], VIDEO_DIM, axis=1).astype(np.float32)


class FakeTextEncoder:
    def encode_words(self, phrase: str) -> tuple[list[str], np.ndarray]:
        words = [w for w in phrase.split() if w not in ("the", "a")]
        rng = np.random.default_rng(len(phrase))
        return words, rng.standard_normal((len(words), WORD_DIM)).astype(np.float32)


def test_comma_localizer_runs_on_random_weights(tmp_path: Path) -> None:
    frames = np.zeros((5, 64, 96, 3), dtype=np.uint8)
    frames[:, 16:32, 48:64] = 255
    clip = ClipInput(frames, np.arange(5) * 0.5, 0.5, 1.5)
    model = CommaModel(config(max_frames=4)).eval()
    path = save_checkpoint(model, tmp_path / "c.pt")
    method = CommaLocalizer(path, FakeVideoEncoder(), FakeTextEncoder())
    assert method.name == "comma"
    loc = method.localize(clip, "cut the onion")
    assert isinstance(loc, Localization)
    assert loc.heatmaps.shape == (5, 4, 6)  # 5 frames, each with its own map
    assert float(loc.heatmaps.min()) >= 0.0 and float(loc.heatmaps.max()) == pytest.approx(1.0)
    assert np.all((loc.points >= 0) & (loc.points <= [96, 64]))
    assert np.all(loc.boxes[:, 2] > loc.boxes[:, 0]) and np.all(loc.boxes[:, 3] > loc.boxes[:, 1])
    assert loc.scores.max() == pytest.approx(1.0)
    # Stop words only: nothing to localize, a flat answer rather than a crash.
    empty = method.localize(clip, "the a")
    assert float(empty.scores.max()) == 0.0
    np.testing.assert_allclose(empty.points, [[48.0, 32.0]] * 5)


def test_comma_localizer_asks_for_the_grids_its_model_reads() -> None:
    clip = ClipInput(np.zeros((2, 64, 96, 3), np.uint8), np.arange(2) * 0.5, 0.0, 1.0)
    encoder = FakeVideoEncoder()
    CommaLocalizer(CommaModel(config(video_features="mid")), encoder, FakeTextEncoder()).localize(
        clip, "cut the onion"
    )
    assert encoder.levels == ["mid"]


def test_frame_groups_cover_every_frame_spread_over_the_clip() -> None:
    groups = frame_groups(10, 4)
    assert [g.tolist() for g in groups] == [[0, 3, 6, 9], [1, 4, 7], [2, 5, 8]]
    assert [g.tolist() for g in frame_groups(3, 4)] == [[0, 1, 2]]
    for count, most in ((1, 1), (17, 4), (64, 16), (65, 16)):
        found = np.concatenate(frame_groups(count, most))
        assert sorted(found.tolist()) == list(range(count))
        assert max(len(g) for g in frame_groups(count, most)) <= most
    with pytest.raises(ValueError):
        frame_groups(0, 4)


def test_every_frame_gets_its_own_heat_map() -> None:
    """A clip longer than max_frames is run in interleaved groups: the map of each frame
    comes from a pass that saw that frame (interpolating maps of frames seconds apart
    misses anything that moves)."""
    frames = np.zeros((7, 64, 96, 3), dtype=np.uint8)
    for i in range(7):
        frames[i, 16:32, 8 + 12 * i : 24 + 12 * i] = 255  # a square moving right
    clip = ClipInput(frames, np.arange(7) * 0.5, 0.5, 2.5)
    model = CommaModel(config(max_frames=3)).eval()
    video_encoder, text_encoder = FakeVideoEncoder(), FakeTextEncoder()
    method = CommaLocalizer(model, video_encoder, text_encoder)
    result = method.heatmaps(clip, "the white square")
    assert result is not None
    heat, times = result
    np.testing.assert_allclose(times, clip.times)
    features = torch.as_tensor(video_encoder.encode(frames))
    _, words = text_encoder.encode_words("the white square")
    for group in frame_groups(7, 3):
        with torch.inference_mode():
            out = model(features[group][None], torch.as_tensor(words)[None], return_attention=True)
        np.testing.assert_allclose(heat[group], comma_heatmap(out, model.config.layers), rtol=1e-5)
