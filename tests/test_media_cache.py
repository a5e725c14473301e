"""FrameCache: LRU order, byte bound, thread safety."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from narrlocal_gui.media.frame_cache import DEFAULT_CACHE_BYTES, MAX_CACHE_BYTES, FrameCache


def image(value: int, nbytes: int = 300) -> np.ndarray:
    return np.full((1, nbytes // 3, 3), value % 256, dtype=np.uint8)


def test_defaults_and_limits() -> None:
    assert FrameCache().max_bytes == DEFAULT_CACHE_BYTES == 256 * 1024 * 1024
    assert FrameCache(MAX_CACHE_BYTES).max_bytes == MAX_CACHE_BYTES
    with pytest.raises(ValueError):
        FrameCache(MAX_CACHE_BYTES + 1)
    with pytest.raises(ValueError):
        FrameCache(-1)
    with pytest.raises(TypeError):
        FrameCache(1.5)  # type: ignore[arg-type]


def test_lru_eviction_by_bytes() -> None:
    cache = FrameCache(1000)
    for i in range(3):
        assert cache.put(i, image(i))
    assert len(cache) == 3 and cache.nbytes == 900
    assert cache.get(0) is not None  # 0 becomes the most recently used
    cache.put(3, image(3))  # 1200 > 1000: evicts the least recently used, 1
    assert cache.keys() == [2, 0, 3]
    assert cache.get(1) is None
    assert 1 not in cache and 0 in cache
    assert cache.nbytes == 900 <= cache.max_bytes


def test_replacing_and_oversized_and_clear() -> None:
    cache = FrameCache(1000)
    cache.put(5, image(1))
    cache.put(5, image(2, 600))
    assert len(cache) == 1 and cache.nbytes == 600
    got = cache.get(5)
    assert got is not None and got[0, 0, 0] == 2
    assert not cache.put(6, image(3, 1500))  # larger than the whole budget
    assert 6 not in cache and cache.nbytes == 600
    cache.clear()
    assert len(cache) == 0 and cache.nbytes == 0


def test_zero_budget_caches_nothing() -> None:
    cache = FrameCache(0)
    assert not cache.put(0, image(0))
    assert len(cache) == 0


def test_stored_images_become_read_only() -> None:
    cache = FrameCache(1000)
    img = image(9)
    cache.put(0, img)
    got = cache.get(0)
    assert got is not None and not got.flags.writeable


def test_bound_holds_under_concurrent_use() -> None:
    cache = FrameCache(30_000)
    over: list[int] = []

    def work(seed: int) -> None:
        rng = np.random.default_rng(seed)
        for _ in range(2000):
            key = int(rng.integers(0, 500))
            if rng.random() < 0.5:
                cache.put(key, image(key, int(rng.integers(1, 40)) * 300))
            else:
                cache.get(key)
            if cache.nbytes > cache.max_bytes:
                over.append(cache.nbytes)

    threads = [threading.Thread(target=work, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert over == []
    total = 0
    for key in cache.keys():  # noqa: SIM118 - FrameCache is not a dict
        got = cache.get(key)
        assert got is not None
        total += got.nbytes
    assert total == cache.nbytes <= 30_000
