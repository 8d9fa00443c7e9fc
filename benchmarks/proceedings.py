#!/usr/bin/env python
"""How long the proceedings take, against pandoc, at 100 and 1,000 sessions.

    pip install -e '.[bench]' && python benchmarks/proceedings.py

For each size, a synthetic event (``benchmarks/synthetic.py``: 10 outcomes
per session) is written and loaded; then, timed separately, ``outcomes``
writes the proceedings (``outcomes.proceedings.write``: the step after
loading) and pandoc (pypandoc-binary) converts the same content, written as
Markdown, to .docx. Prints both times, ours/pandoc at each size, and
time(1,000) / time(100): linear generation gives about 10.

Beside them, the PDF edition: LibreOffice converting our .docx (one
headless instance, a fresh profile, as ``outcomes build`` does it) and the
page numbers it computed written back into the .docx
(``outcomes.proceedings.add_pdfs``), with the number of pages. ``--no-pdf``
skips it; without LibreOffice it is reported as missing.
"""

from __future__ import annotations

import argparse
import gc
import subprocess
import tempfile
import time
from pathlib import Path

import synthetic  # benchmarks/synthetic.py, next to this file

from outcomes import load, proceedings, vocab
from outcomes.proceedings import pdf


def load_event(folder: Path):
    problems = load.Problems()
    event = load.load_event(folder, problems)
    sessions = list(event.sessions(problems))
    assert not problems.errors, [p.format() for p in problems.errors[:5]]
    return event, sessions


def as_markdown(event, sessions) -> str:
    """The proceedings' content as pandoc Markdown: the same chapters, texts,
    outcome details, commitments table and index, without Word's extras."""
    chapters = proceedings.chapters(sessions, internal=False)
    e = event.event
    out = [f"---\ntitle: \"{e.title}\"\nsubtitle: \"{e.subtitle or ''}\"\nlang: it-IT\n---\n", "# Presentazione\n", e.description, ""]
    out.append("# Programma\n\n| Orario | Sessione | Tipo | Sala |\n|---|---|---|---|")
    for c in chapters:
        s = c.session
        out.append(f"| {s.start:%H:%M}–{s.end:%H:%M} | [{c.number} {s.title}](#s{c.number}) | {s.kind} | {s.room or ''} |")
    for c in chapters:
        s = c.session
        out += [f"\n# {c.number} {s.title} {{#s{c.number}}}\n", f"{s.date} {s.start:%H:%M}–{s.end:%H:%M} · {s.room or ''}  "]
        out.append("**Facilitazione:** " + "; ".join(f"{p.organisation} ({p.role})" for p in s.facilitators) + "  ")
        out.append("**Partecipanti:** " + " · ".join(f"{vocab.actor_types().label(a)} {n}" for a, n in s.participants.items()))
        out += ["\n## Sintesi\n", s.summary]
        for q in s.quotes:
            out.append(f"> {q.text}\n>\n> — {vocab.actor_types().label(q.actor)}\n")
        kind = None
        for entry in c.entries:
            o = entry.outcome
            if o.type != kind:
                kind = o.type
                out.append(f"\n## {vocab.outcome_types().terms[kind].extra['plural_it']}\n")
            out += [f"### {entry.number} {o.title} {{#o{entry.number.replace('.', '-')}}}\n", o.text]
            details = [f"**SDG:** {', '.join(o.sdg_targets)}"]
            if o.gcm_objectives:
                details.append("**Global Compact:** " + "; ".join(vocab.gcm_objectives().label(str(n)) for n in o.gcm_objectives))
            details.append("**Paesi:** " + ", ".join(vocab.countries().label(x) for x in o.countries))
            details.append("**Attori:** " + ", ".join(vocab.actor_types().label(a) for a in o.actors))
            if o.owner:
                details.insert(0, f"**Chi:** {o.owner}  \n**Entro:** {o.due}  \n**Stato:** {o.status or ''}")
            out.append("  \n".join(details) + "\n")
    out.append("\n# Impegni\n\n| N. | Chi | Che cosa | Entro | Stato |\n|---|---|---|---|---|")
    for entry in (e for c in chapters for e in c.entries if e.outcome.type == "commitment"):
        o = entry.outcome
        out.append(f"| {entry.number} | {o.owner} | {o.title} | {o.due} | {o.status or ''} |")
    out.append("\n# Indice analitico\n")
    index: dict[str, list[str]] = {}
    for entry in (e for c in chapters for e in c.entries):
        for key in [*entry.outcome.sdg_targets, *entry.outcome.countries]:
            index.setdefault(key, []).append(f"[{entry.number}](#o{entry.number.replace('.', '-')})")
    for key in sorted(index):
        out.append(f"**{key}** — {', '.join(index[key])}\n")
    return "\n".join(out)


def timed(function) -> float:
    gc.collect()
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def pages(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(path).pages)


def measure(sessions: int, workdir: Path, with_pdf: bool) -> dict:
    import pypandoc

    folder = synthetic.write_event(workdir / f"notes-{sessions}", sessions)
    event, notes = load_event(folder)
    document = workdir / f"ours-{sessions}.docx"
    ours = timed(lambda: proceedings.write(event, notes, document))
    made = {}
    if with_pdf:
        made["pdf"] = timed(lambda: made.setdefault("files", proceedings.add_pdfs([document])))
        made["pages"] = pages(made["files"][0])
    markdown = as_markdown(event, notes)
    pandoc = timed(
        lambda: pypandoc.convert_text(markdown, "docx", format="markdown", outputfile=str(workdir / f"pandoc-{sessions}.docx"))
    )
    return {"sessions": sessions, "outcomes": sum(len(n.session.outcomes) for n in notes), "ours": ours, "pandoc": pandoc,
            "pdf": made.get("pdf"), "pages": made.get("pages")}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Proceedings generation time against pandoc.")
    parser.add_argument("--sizes", type=int, nargs=2, default=(100, 1000), metavar=("SMALL", "LARGE"))
    parser.add_argument("--no-pdf", dest="pdf", action="store_false", help="Do not time the PDF edition (LibreOffice).")
    args = parser.parse_args(argv)
    with_pdf = args.pdf and pdf.soffice() is not None
    if args.pdf and not with_pdf:
        print("LibreOffice (soffice) is not installed: no PDF times.")
    with tempfile.TemporaryDirectory(prefix="outcomes-bench-") as tmp:
        workdir = Path(tmp)
        # Warm up: imports (matplotlib, pandoc's first start) are not what is measured.
        warm = synthetic.write_event(workdir / "warm-up", 2)
        proceedings.write(*load_event(warm), workdir / "warm-up.docx")
        import pypandoc

        pypandoc.convert_text("*warm*", "docx", format="markdown", outputfile=str(workdir / "warm-up-pandoc.docx"))
        if with_pdf:  # LibreOffice's first start (fonts, profile) is not what is measured either
            proceedings.add_pdfs([workdir / "warm-up.docx"])
        results = [measure(size, workdir, with_pdf) for size in args.sizes]
    if with_pdf:
        version = subprocess.run([pdf.soffice(), "--version"], capture_output=True, text=True).stdout.split()
        print(f"PDF: {' '.join(version[:2])}")
    print(f"{'sessions':>8} {'outcomes':>8} {'outcomes (s)':>13} {'pandoc (s)':>11} {'ours/pandoc':>12}"
          + (f" {'PDF (s)':>9} {'pages':>6}" if with_pdf else ""))
    for r in results:
        print(f"{r['sessions']:>8} {r['outcomes']:>8} {r['ours']:>13.2f} {r['pandoc']:>11.2f} {r['ours'] / r['pandoc']:>12.2f}"
              + (f" {r['pdf']:>9.2f} {r['pages']:>6}" if with_pdf else ""))
    small, large = results
    print(f"time({large['sessions']}) / time({small['sessions']}): outcomes {large['ours'] / small['ours']:.1f}, "
          f"pandoc {large['pandoc'] / small['pandoc']:.1f}")


if __name__ == "__main__":
    main()
