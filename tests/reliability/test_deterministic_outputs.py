"""test_deterministic_outputs.py: the same model and flags give the same
bytes whatever the environment.

Each model is compiled into every kind of output (object and header, LLVM
IR, the IR dump, an HLS project) once in a reference environment and once
in each of several others: another locale (C.UTF-8 against C, for number
formatting), another time zone and a later time (the clock must not reach
the output), another working folder with the model given by a relative path
rather than an absolute one, and SOURCE_DATE_EPOCH set. Every output file
must equal the reference byte for byte.
"""
import os
import shutil
import subprocess
import time

import pytest

import relkit
from relkit import EXAMPLE, run, snapshot

MODELS = ["example", "tfc_2w2a", "conv2d_small_keras", "unsw_nb15_mlp_w2a2"]

OUTPUTS = [
    ("object", ["-o", "{out}/m.o"]),
    ("llvm-ir", ["--emit=llvm", "-o", "{out}/m.ll"]),
    ("ir", ["--emit=ir", "-o", "{out}/m.ir"]),
    ("hls", ["--target=hls", "-o", "{out}/prj"]),
]


def locales():
    out = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.split()
    return [l for l in out if l.lower().replace("-", "") in ("c.utf8", "en_us.utf8")]


def environments():
    utf8 = locales()
    envs = [
        ("tz", {"TZ": "Pacific/Kiritimati"}, False),
        ("cwd", {}, True),
        ("epoch", {"SOURCE_DATE_EPOCH": "86400"}, False),
    ]
    if utf8:
        envs.insert(0, ("locale", {"LC_ALL": utf8[0], "LANG": utf8[0]}, False))
    return envs


def model_path(name):
    return EXAMPLE if name == "example" else relkit.shared_model(name)


def compile_all(model, out, tmp, cwd, extra):
    os.makedirs(out)
    for kind, args in OUTPUTS:
        r = run([model, *[a.format(out=out) for a in args]], tmp, cwd=cwd, **extra)
        if kind == "hls" and r.returncode == 1 and "cannot map" in r.stderr:
            continue  # a model without an integer part has no HLS project
        assert r.returncode == 0, "%s: %s" % (kind, r.stderr)
    return snapshot(out)


@pytest.mark.parametrize("name", MODELS)
def test_same_bytes_in_every_environment(tmp_path, name):
    relkit.require_compiler()
    model = model_path(name)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    base = {"LC_ALL": "C", "LANG": "C", "TZ": "UTC"}
    reference = compile_all(model, str(tmp_path / "ref"), tmp, str(tmp_path), base)
    assert any(k.endswith("m.o") for k in reference) and any(k.endswith("m.ir") for k in reference)
    time.sleep(1.1)  # a later second, in case a time stamp slipped in
    for label, changes, move in environments():
        cwd = str(tmp_path)
        m = model
        if move:
            # another working folder, the model named relative to it
            cwd = str(tmp_path / "elsewhere" / "deeper")
            os.makedirs(cwd)
            m = os.path.relpath(model, cwd)
        got = compile_all(m, str(tmp_path / label), tmp, cwd, dict(base, **changes))
        assert sorted(got) == sorted(reference), label
        differ = [k for k in reference if got[k] != reference[k]]
        assert not differ, "%s: %s differ" % (label, ", ".join(differ))
    assert os.listdir(str(tmp)) == []
    shutil.rmtree(str(tmp_path / "ref"))
