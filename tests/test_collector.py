"""The cycle collector around loads: full passes held while a load runs, thresholds put back."""

import gc
import threading

from maillage.collector import full_passes_paused
from maillage.graph import open_store
from maillage.loaders.pipeline import load_files


def test_a_load_holds_the_full_passes_and_puts_the_thresholds_back(tmp_path):
    actors = tmp_path / "actors.csv"
    actors.write_text("id,name,kind,commune\nasso-1,Banque alimentaire,association,67482\n", encoding="utf-8")
    before, inside = gc.get_threshold(), []
    with open_store(tmp_path / "store.db") as store:
        load_files(store, [actors], before_commit=lambda *_: inside.append(gc.get_threshold()))
    assert inside and inside[0][:2] == before[:2] and inside[0][2] > 1_000_000
    assert gc.get_threshold() == before


def test_overlapping_pauses_put_the_thresholds_back_whoever_leaves_first():
    before = gc.get_threshold()
    first_in, second_in, first_may_leave = threading.Event(), threading.Event(), threading.Event()

    def first():
        with full_passes_paused():
            first_in.set()
            first_may_leave.wait(10)

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(10)
    with full_passes_paused():
        second_in.set()
        first_may_leave.set()
        thread.join(10)
        assert gc.get_threshold()[2] > 1_000_000  # the first left; this one still holds them
    assert gc.get_threshold() == before


def test_a_failing_body_puts_the_thresholds_back():
    before = gc.get_threshold()
    try:
        with full_passes_paused():
            raise ValueError("boom")
    except ValueError:
        pass
    assert gc.get_threshold() == before
