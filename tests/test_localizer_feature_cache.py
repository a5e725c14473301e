"""The on-disk feature cache: keys, round trips, corruption, LRU eviction, atomic writes."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from narrlocal_gui.localizer.encoders.feature_cache import (
    DEFAULT_MAX_BYTES,
    FeatureCache,
    FeatureKey,
    MediaFingerprint,
    default_cache_root,
)

ENCODER = "efficientnet-lite0-579344248a93"


@pytest.fixture
def media(tmp_path_factory: pytest.TempPathFactory) -> MediaFingerprint:
    path = tmp_path_factory.mktemp("media") / "clip.mp4"
    path.write_bytes(os.urandom(3 << 20))
    return MediaFingerprint.of(path)


def _key(media: MediaFingerprint, t: float, short_side: int = 224) -> FeatureKey:
    return FeatureKey(media, ENCODER, short_side, t)


def _grid(seed: int, shape: tuple[int, ...] = (1280, 7, 12)) -> np.ndarray:
    return np.random.default_rng(seed).random(shape, dtype=np.float32).astype(np.float16)


def test_round_trip(tmp_path: Path, media: MediaFingerprint) -> None:
    cache = FeatureCache(tmp_path / "c")
    grid = _grid(0)
    assert cache.get(_key(media, 1.5)) is None
    assert cache.put(_key(media, 1.5), grid)
    back = cache.get(_key(media, 1.5))
    assert back is not None and back.dtype == np.float16
    np.testing.assert_array_equal(back, grid)
    # Every part of the key matters.
    assert cache.get(_key(media, 1.5000011)) is None
    assert cache.get(_key(media, 1.5, short_side=448)) is None
    assert cache.get(FeatureKey(media, "other-encoder", 224, 1.5)) is None
    # Another instance on the same root sees it (the cache outlives the process).
    np.testing.assert_array_equal(FeatureCache(tmp_path / "c").get(_key(media, 1.5)), grid)


def test_entries_live_in_readable_folders(tmp_path: Path, media: MediaFingerprint) -> None:
    cache = FeatureCache(tmp_path)
    path = cache.path_for(_key(media, 2.0))
    assert path.relative_to(tmp_path).parts == (
        media.folder_name,
        f"{ENCODER}-224",
        "2000000.npy",
    )


def test_a_wrong_shape_is_a_miss(tmp_path: Path, media: MediaFingerprint) -> None:
    cache = FeatureCache(tmp_path)
    cache.put(_key(media, 0.0), _grid(0))
    assert cache.get(_key(media, 0.0), shape=(1280, 14, 25)) is None
    assert not cache.path_for(_key(media, 0.0)).exists()


@pytest.mark.parametrize("damage", [b"", b"not numpy at all", b"\x93NUMPY\x01\x00garbage"])
def test_a_corrupt_entry_is_ignored_removed_and_rewritten(
    tmp_path: Path, media: MediaFingerprint, damage: bytes
) -> None:
    cache = FeatureCache(tmp_path)
    key = _key(media, 3.0)
    cache.put(key, _grid(1))
    path = cache.path_for(key)
    path.write_bytes(damage)
    assert cache.get(key) is None
    assert not path.exists()
    assert cache.put(key, _grid(2))
    np.testing.assert_array_equal(cache.get(key), _grid(2))


def test_a_truncated_entry_is_a_miss(tmp_path: Path, media: MediaFingerprint) -> None:
    cache = FeatureCache(tmp_path)
    key = _key(media, 3.0)
    cache.put(key, _grid(1))
    path = cache.path_for(key)
    path.write_bytes(path.read_bytes()[:-100])
    assert cache.get(key) is None


def test_pickled_objects_are_neither_written_nor_read(
    tmp_path: Path, media: MediaFingerprint
) -> None:
    cache = FeatureCache(tmp_path)
    key = _key(media, 4.0)
    assert not cache.put(key, np.array([{"a": 1}], dtype=object))
    path = cache.path_for(key)
    path.parent.mkdir(parents=True)
    np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    assert cache.get(key) is None


def test_least_recently_used_entries_go_first(tmp_path: Path, media: MediaFingerprint) -> None:
    one = _grid(0).nbytes + 128  # an entry's size on disk (header included)
    cache = FeatureCache(tmp_path, max_bytes=3 * one + 10)
    for i in range(3):
        cache.put(_key(media, float(i)), _grid(i))
        # File times carry the use order; make it unambiguous on coarse clocks.
        stamp = time.time() - 100 + i
        os.utime(cache.path_for(_key(media, float(i))), (stamp, stamp))
    assert cache.get(_key(media, 0.0)) is not None  # entry 0 is now the most recent
    cache.put(_key(media, 3.0), _grid(3))
    assert cache.path_for(_key(media, 1.0)).exists() is False
    for t in (0.0, 2.0, 3.0):
        assert cache.get(_key(media, t)) is not None
    assert cache.nbytes() <= cache.max_bytes


def test_the_bound_holds_across_instances(tmp_path: Path, media: MediaFingerprint) -> None:
    one = _grid(0).nbytes + 128
    for i in range(6):
        FeatureCache(tmp_path, max_bytes=2 * one + 10).put(_key(media, float(i)), _grid(i))
    assert FeatureCache(tmp_path).nbytes() <= 2 * one + 10


def test_an_entry_larger_than_the_budget_is_not_stored(
    tmp_path: Path, media: MediaFingerprint
) -> None:
    cache = FeatureCache(tmp_path, max_bytes=1000)
    assert not cache.put(_key(media, 0.0), _grid(0))
    assert cache.nbytes() == 0
    assert not FeatureCache(tmp_path, max_bytes=0).put(_key(media, 0.0), np.zeros(1))


def test_writes_are_atomic_and_leave_no_temporary_files(
    tmp_path: Path, media: MediaFingerprint, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = FeatureCache(tmp_path)
    key = _key(media, 5.0)
    cache.put(key, _grid(5))

    def failing_save(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(np, "save", failing_save)
    assert not cache.put(key, _grid(6))  # a cache never fails its caller
    monkeypatch.undo()
    np.testing.assert_array_equal(cache.get(key), _grid(5))  # the old entry is intact
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["5000000.npy"]


def test_stale_temporary_files_are_swept(tmp_path: Path, media: MediaFingerprint) -> None:
    cache = FeatureCache(tmp_path)
    cache.put(_key(media, 0.0), _grid(0))
    folder = cache.path_for(_key(media, 0.0)).parent
    stale, fresh = folder / ".old.tmp", folder / ".new.tmp"
    stale.write_bytes(b"x")
    fresh.write_bytes(b"x")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    cache.nbytes()
    assert not stale.exists()
    assert fresh.exists()  # may belong to a writer still at work


def test_clear_empties_the_root(tmp_path: Path, media: MediaFingerprint) -> None:
    cache = FeatureCache(tmp_path / "c")
    for i in range(3):
        cache.put(_key(media, float(i)), _grid(i))
    cache.clear()
    assert cache.nbytes() == 0
    assert list((tmp_path / "c").iterdir()) == []


def test_concurrent_writers_of_one_key(tmp_path: Path, media: MediaFingerprint) -> None:
    cache = FeatureCache(tmp_path)
    key = _key(media, 9.0)
    grids = [_grid(i) for i in range(8)]
    threads = [threading.Thread(target=cache.put, args=(key, g)) for g in grids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    back = cache.get(key)
    assert back is not None
    assert any(np.array_equal(back, g) for g in grids)


def test_the_fingerprint_follows_the_file(tmp_path: Path) -> None:
    path = tmp_path / "v.mp4"
    data = bytearray(os.urandom(5 << 20))
    path.write_bytes(data)
    first = MediaFingerprint.of(path)
    assert MediaFingerprint.of(path) == first
    # Same size and content, another time: another version of the file.
    os.utime(path, ns=(first.mtime_ns + 10**9, first.mtime_ns + 10**9))
    assert MediaFingerprint.of(path).digest == first.digest
    assert MediaFingerprint.of(path) != first
    # A change in the last MiB, time restored: the digest sees it.
    data[-10] ^= 0xFF
    path.write_bytes(data)
    os.utime(path, ns=(first.mtime_ns, first.mtime_ns))
    assert MediaFingerprint.of(path).digest != first.digest
    small = tmp_path / "s.jpg"
    small.write_bytes(b"tiny")
    assert MediaFingerprint.of(small).size == 4


def test_keys_are_validated(media: MediaFingerprint) -> None:
    with pytest.raises(ValueError, match="encoder"):
        FeatureKey(media, "../escape", 224, 0.0)
    with pytest.raises(ValueError, match="short_side"):
        FeatureKey(media, ENCODER, 0, 0.0)
    with pytest.raises(ValueError, match="time"):
        FeatureKey(media, ENCODER, 224, float("nan"))
    with pytest.raises(ValueError, match="digest"):
        MediaFingerprint("xyz", 1, 1)
    with pytest.raises(ValueError, match="max_bytes"):
        FeatureCache(Path("x"), max_bytes=-1)


def test_the_default_root_is_the_user_cache(tmp_path: Path) -> None:
    # conftest points XDG_CACHE_HOME at a temporary folder for every test.
    root = default_cache_root()
    assert root.parts[-2:] == ("narrlocal", "features")
    assert str(root).startswith(os.environ["XDG_CACHE_HOME"])
    assert FeatureCache().root == root
    assert FeatureCache().max_bytes == DEFAULT_MAX_BYTES == 2_000_000_000
