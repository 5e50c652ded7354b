"""Office files in tests: convert them with LibreOffice, count a PDF's pages."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from tests.conftest import require


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def soffice_to_pdf(files: dict[str, bytes], workdir: Path) -> dict[str, bytes]:
    """Convert every file with one headless soffice call; name → the PDF's bytes (b"" if none).

    File names must be unique once their extension is dropped: soffice names each PDF after it.
    """
    soffice = shutil.which("soffice")
    require(soffice is not None, "LibreOffice (soffice) is not installed")
    stems = [name.rsplit(".", 1)[0] for name in files]
    assert len(set(stems)) == len(stems), "two files would convert to the same PDF name"
    src, out = workdir / "src", workdir / "pdf"
    src.mkdir()
    for name, content in files.items():
        (src / name).write_bytes(content)
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{workdir}/profile", "--headless",
         "--convert-to", "pdf", "--outdir", str(out), *sorted(str(src / n) for n in files)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    pdfs = {}
    for name, stem in zip(files, stems, strict=True):
        pdf = out / f"{stem}.pdf"
        pdfs[name] = pdf.read_bytes() if pdf.exists() else b""
    return pdfs
