"""The shared bounded map behind the process's small caches."""

import threading

from libriassist.kit.lru import Lru


def test_the_least_recently_used_entry_goes_first() -> None:
    cache: Lru[str, int] = Lru(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recent
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    cache.put("a", 10)  # replacing an entry makes it the most recent too
    cache.put("d", 4)
    assert (cache.get("a"), cache.get("c"), cache.get("d")) == (10, None, 4)
    assert len(cache) == 2


def test_shrinking_drops_the_oldest_and_clear_drops_all() -> None:
    cache: Lru[int, int] = Lru(5)
    for i in range(5):
        cache.put(i, i)
    cache.resize(2)
    assert cache.size == 2 and len(cache) == 2
    assert [cache.get(i) for i in range(5)] == [None, None, None, 3, 4]
    cache.clear()
    assert len(cache) == 0 and cache.get(4) is None


def test_threads_never_push_it_past_its_size() -> None:
    cache: Lru[tuple[int, int], int] = Lru(100)

    def fill(worker: int) -> None:
        for i in range(2000):
            cache.put((worker, i), i)
            cache.get((worker, i - 50))

    threads = [threading.Thread(target=fill, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(cache) == 100
