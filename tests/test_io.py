"""corridors.io: atomic writes, stable JSON, best-effort caches, digests and .npy bytes."""

from __future__ import annotations

import io
import json
import math
import os
import stat

import numpy as np
import pytest

from corridors import CorridorsError, OutputError
from corridors.io import atomic_write, file_digest, npy_bytes, to_json, write_cache


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_text_is_written_as_utf8_with_mode_644(tmp_path):
    target = tmp_path / "out.txt"
    assert atomic_write(target, "Gabd–Rimdan ✓\n") == target
    assert target.read_bytes() == "Gabd–Rimdan ✓\n".encode()
    assert mode(target) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]  # no scratch folder left


def test_bytes_are_written_as_they_are(tmp_path):
    target = tmp_path / "out.bin"
    atomic_write(target, bytes(range(256)))
    assert target.read_bytes() == bytes(range(256))
    assert mode(target) == 0o644


def test_a_writer_function_is_given_a_temporary_path_beside_the_target(tmp_path):
    target = tmp_path / "layer.gpkg"
    seen = []

    def writer(tmp):
        seen.append(tmp)
        assert tmp != target and tmp.parent.parent == tmp_path  # a private folder beside the target
        tmp.write_text("written by a driver", encoding="utf-8")
        tmp.chmod(0o600)

    atomic_write(target, writer)
    assert target.read_text(encoding="utf-8") == "written by a driver"
    assert mode(target) == 0o644
    assert len(seen) == 1 and not seen[0].parent.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["layer.gpkg"]


def test_an_existing_file_is_replaced(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")
    atomic_write(target, "new")
    assert target.read_text(encoding="utf-8") == "new"


def test_a_relative_name_writes_in_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    atomic_write("plain.txt", "x")
    assert (tmp_path / "plain.txt").read_text(encoding="utf-8") == "x"


def test_a_missing_folder_is_an_output_error_naming_the_path(tmp_path):
    target = tmp_path / "no" / "such" / "out.txt"
    with pytest.raises(OutputError) as err:
        atomic_write(target, "x")
    assert isinstance(err.value, OSError) and isinstance(err.value, CorridorsError)
    assert str(err.value).startswith(f"{target}: ")
    assert not (tmp_path / "no").exists()


def test_a_writer_that_raises_leaves_the_old_file_and_no_scratch(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")

    def failing(tmp):
        tmp.write_text("half", encoding="utf-8")
        (tmp.parent / "sidecar.aux").write_text("aux", encoding="utf-8")
        raise RuntimeError("driver crashed")

    with pytest.raises(RuntimeError, match="driver crashed"):
        atomic_write(target, failing)
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_a_writer_that_writes_nothing_is_an_output_error(tmp_path):
    target = tmp_path / "out.txt"
    with pytest.raises(OutputError, match=r"out\.txt: cannot write"):
        atomic_write(target, lambda tmp: None)
    assert list(tmp_path.iterdir()) == []


def test_json_is_stable_ordered_indented_and_utf8():
    data = {"z": 1, "a": [1.5, None, True], "name": "Wesh–Chaman"}
    text = to_json(data)
    assert text == '{\n  "z": 1,\n  "a": [\n    1.5,\n    null,\n    true\n  ],\n  "name": "Wesh–Chaman"\n}\n'
    assert to_json(json.loads(text)) == text


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_json_refuses_nan_and_infinity(bad):
    with pytest.raises(ValueError, match="JSON"):
        to_json({"length_km": bad})


def test_write_cache_never_raises_when_the_folder_cannot_be_made(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    write_cache(blocker / "sub" / "cache.npy", b"data")  # the parent cannot be created
    write_cache(blocker / "cache.npy", "data")  # the parent is a file
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_write_cache_makes_its_folders(tmp_path):
    target = tmp_path / "deep" / "er" / "cache.txt"
    write_cache(target, "cached")
    assert target.read_text(encoding="utf-8") == "cached"


def test_file_digest_is_blake2b_truncated_to_128_bits(tmp_path):
    path = tmp_path / "abc"
    path.write_bytes(b"abc")
    # RFC 7693, Appendix A: BLAKE2b-512("abc") = BA80A53F981C4D0D6A2797B69F12F6E9 4C212F14...
    assert file_digest(path) == "ba80a53f981c4d0d6a2797b69f12f6e9"
    assert file_digest(path) == file_digest(path)


def test_file_digest_changes_with_the_content(tmp_path):
    path = tmp_path / "layer.bin"
    path.write_bytes(b"abc")
    before = file_digest(path)
    path.write_bytes(b"abd")
    assert file_digest(path) != before
    assert len(file_digest(path)) == 32


@pytest.mark.parametrize(
    "array",
    [
        np.arange(12, dtype=np.float64).reshape(3, 4) / 7,
        np.arange(24, dtype=np.int32).reshape(4, 6)[:, ::2],  # not contiguous
        np.array([], dtype=np.int64),
        np.array([True, False]),
    ],
    ids=["float", "strided", "empty", "bool"],
)
def test_npy_bytes_round_trips_through_numpy_load(array):
    raw = npy_bytes(array)
    assert raw.startswith(b"\x93NUMPY")  # the .npy magic string (numpy.lib.format)
    back = np.load(io.BytesIO(raw), allow_pickle=False)
    assert back.dtype == array.dtype and back.shape == array.shape
    assert np.array_equal(back, array)


def test_npy_bytes_refuses_object_arrays():
    with pytest.raises(ValueError, match="pickle"):
        npy_bytes(np.array([{"a": 1}], dtype=object))


def test_file_digest_memo_is_reused_while_the_file_is_unchanged(tmp_path, monkeypatch):
    import hashlib

    path, memo = tmp_path / "abc", tmp_path / "memo"
    path.write_bytes(b"abc")
    assert file_digest(path, memo_dir=memo) == "ba80a53f981c4d0d6a2797b69f12f6e9"
    calls = []
    real = hashlib.file_digest
    monkeypatch.setattr(hashlib, "file_digest", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert file_digest(path, memo_dir=memo) == "ba80a53f981c4d0d6a2797b69f12f6e9" and calls == []
    # the same size and modification time, other bytes: the status-change time still moves
    st = path.stat()
    path.write_bytes(b"abd")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert file_digest(path, memo_dir=memo) == file_digest(path) != "ba80a53f981c4d0d6a2797b69f12f6e9"
    assert calls


def test_a_cache_entry_changed_in_place_is_not_trusted(tmp_path, monkeypatch):
    import hashlib

    from corridors.io import read_cache

    target = tmp_path / "entry.bin"
    write_cache(target, b"0123456789", key="k")
    calls = []
    real = hashlib.file_digest
    monkeypatch.setattr(hashlib, "file_digest", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert read_cache(target, key="k") == b"0123456789" and calls == []  # untouched: no re-hash
    st = target.stat()
    with open(target, "r+b") as fh:  # same size, same modification time, other bytes
        fh.write(b"X")
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert read_cache(target, key="k") is None and calls
