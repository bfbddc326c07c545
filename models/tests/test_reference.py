"""The reference model kept in the user cache: read back, it is transformers' own conversion of the
GGUF bit for bit; a damaged file is converted again and replaced, with a line saying so."""
import os
import subprocess
import sys

import torch

from prism.reference import load_model


def tiny(tmp_path):
    gguf = str(tmp_path / "tiny.gguf")
    subprocess.run([sys.executable, "-m", "prism.tiny_gguf", gguf, "--type", "Q4_1"], check=True)
    return gguf


def logits(m, ids):
    with torch.no_grad():
        return m(input_ids=torch.tensor([ids])).logits


def test_a_cached_model_is_the_converted_one_bit_for_bit(tmp_path, monkeypatch):
    monkeypatch.setenv("PRISM_CACHE_DIR", str(tmp_path / "cache"))
    gguf = tiny(tmp_path)
    converted = load_model(gguf, use_cache=False)
    assert not os.path.exists(tmp_path / "cache")
    load_model(gguf)  # converts and keeps it
    kept = os.listdir(tmp_path / "cache" / "reference")
    assert len(kept) == 1 and kept[0].endswith(".pt"), kept
    cached = load_model(gguf)  # reads it back
    a, b = converted.state_dict(), cached.state_dict()
    assert set(a) == set(b)
    for k in a:
        assert torch.equal(a[k], b[k]), k
    config = {k: v for k, v in converted.config.to_dict().items() if k != "_name_or_path"}  # the folder it came from
    assert config == {k: v for k, v in cached.config.to_dict().items() if k != "_name_or_path"}
    ids = [1, 5, 9, 33, 70, 2]
    assert torch.equal(logits(converted, ids), logits(cached, ids))


def test_a_damaged_cache_file_is_converted_again(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PRISM_CACHE_DIR", str(tmp_path / "cache"))
    gguf = tiny(tmp_path)
    want = logits(load_model(gguf), [3, 4, 5])
    (kept,) = (tmp_path / "cache" / "reference").iterdir()
    kept.write_bytes(b"not a model")
    got = load_model(gguf)
    assert "could not be read" in capsys.readouterr().err
    assert torch.equal(logits(got, [3, 4, 5]), want)
    assert torch.equal(logits(load_model(gguf), [3, 4, 5]), want)  # the file was replaced
