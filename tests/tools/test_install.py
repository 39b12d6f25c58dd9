"""test_install.py: --help, the man page and `make install`.

--help and the man page come from one option table (compiler/options.c):
every option --help names must be in the man page, and docs/qonnxc.1 must
be what `qonnxc --man` writes (regenerate it with
`build/qonnxc --man > docs/qonnxc.1`). `make install PREFIX=tmp` must put
qonnxc, libqonnxrt.a, its headers, qonnxrt.pc and qonnxc.1 there, and a C
program must build against the library with pkg-config's flags.
"""
import os
import re
import subprocess

from tools_kit import EXAMPLE_INPUT, ROOT, run

OPTION = re.compile(r"(?<![\w-])(--?[a-zA-Z][\w-]*)")


def man_text(roff):
    """The man page's words: roff escapes and font changes removed."""
    return re.sub(r"\\f[BIR]", "", roff).replace("\\-", "-").replace("\\e", "\\")


def test_every_help_option_is_in_the_man_page(qonnxc):
    help_text = run(["--help"]).stdout
    man = man_text(run(["--man"]).stdout)
    options = set(OPTION.findall(help_text))
    assert {"-o", "--emit", "--json", "--per-layer", "--dense", "--expand-quant",
            "--version", "--target", "--mcpu", "-O0"} <= options
    missing = sorted(o for o in options if o not in man)
    assert not missing, missing


def test_man_page_is_roff(qonnxc):
    man = run(["--man"]).stdout
    assert man.startswith(".TH QONNXC 1 ")
    for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "COST", "EXIT STATUS"):
        assert ".SH " + section + "\n" in man


def test_docs_man_page_is_current(qonnxc):
    with open(os.path.join(ROOT, "docs", "qonnxc.1")) as f:
        assert f.read() == run(["--man"]).stdout, \
            "docs/qonnxc.1 is stale: build/qonnxc --man > docs/qonnxc.1"


def test_version_names_llvm(qonnxc):
    assert re.fullmatch(r"qonnxc \d+\.\d+\.\d+ \(LLVM \d+\.\d+\.\d+\)\n", run(["--version"]).stdout)


def test_usage_error_form(qonnxc):
    p = run(["--no-such-option", "m.onnx"], check=False)
    assert p.returncode == 2
    assert re.fullmatch(r"qonnxc: error: unknown option '--no-such-option' \(see qonnxc --help\)\n",
                        p.stderr)


PROGRAM = r"""
#include <qonnx_runtime.h>
#include <stdio.h>
int main(int argc, char **argv)
{
	struct qrt_array a;
	char err[256];
	if (argc < 2 || qrt_npy_read(argv[1], &a, err, sizeof err) < 0)
		return 1;
	printf("rank %d\n", a.rank);
	qrt_array_free(&a);
	return 0;
}
"""


def test_make_install(qonnxc, tmp_path):
    prefix = os.path.join(str(tmp_path), "prefix")
    p = subprocess.run(["make", "-s", "-C", ROOT, "install", "PREFIX=" + prefix],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    for f in ("bin/qonnxc", "lib/libqonnxrt.a", "include/qonnxc/qonnx_runtime.h",
              "include/qonnxc/npy.h", "lib/pkgconfig/qonnxrt.pc", "share/man/man1/qonnxc.1"):
        assert os.path.isfile(os.path.join(prefix, f)), f
    assert os.access(os.path.join(prefix, "bin", "qonnxc"), os.X_OK)
    env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(prefix, "lib", "pkgconfig"))
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "qonnxrt"], env=env,
                           capture_output=True, text=True)
    assert flags.returncode == 0, flags.stderr
    assert "-I%s/include/qonnxc" % prefix in flags.stdout and "-lqonnxrt" in flags.stdout
    src = os.path.join(str(tmp_path), "prog.c")
    exe = os.path.join(str(tmp_path), "prog")
    with open(src, "w") as f:
        f.write(PROGRAM)
    cc = subprocess.run(["cc", "-std=c11", src, "-o", exe] + flags.stdout.split() + ["-lm"],
                        capture_output=True, text=True)
    assert cc.returncode == 0, cc.stderr
    out = subprocess.run([exe, EXAMPLE_INPUT], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout == "rank 3\n"
