#!/usr/bin/env python3
"""Keep every language of the integration complete and Home Assistant's runtime files current.

    python3 scripts/translations.py           # report what each language lacks; exit 1 if anything
    python3 scripts/translations.py build     # write translations/en.json, fill shared texts

``strings.json`` is the English source. A text used in more than one place is written once and
named elsewhere by a reference, ``[%key:component::daly_bms::entity::sensor::alarm::name%]``
(the whole text, pointing at a text that is not a reference itself: what hassfest and Home
Assistant's translation platform accept). Home Assistant reads only
``translations/<language>.json`` at runtime and resolves no reference there, so ``build``:

- writes ``translations/en.json``: strings.json with every reference replaced by its text;
- fills, in every other language, each referencing text with that language's text of the
  referenced key (translators translate the referenced key only);
- orders every language like strings.json and drops texts strings.json no longer has.

The report lists, per language, each key still to translate with its English text, keys
strings.json does not have, texts whose placeholders differ from English (Home Assistant drops
such a translation and shows English), empty texts, and files ``build`` would change. Only the
standard library is used, so it runs on a bare Python 3.13.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from dataclasses import dataclass, field
import json
from pathlib import Path
import re
import string
import sys
from typing import Any

DOMAIN = "daly_bms"
PACKAGE = Path(__file__).resolve().parents[1] / "custom_components" / DOMAIN
SOURCE = "strings.json"
ENGLISH = "en"
REFERENCE = re.compile(r"\[%key:([a-z0-9_]+(?:::[a-z0-9_-]+)+)%\]")
OWN_PREFIX = ("component", DOMAIN)
# The frontend formats texts as ICU messages, where an apostrophe before a brace starts a
# quoted literal: the placeholder would be shown as written instead of filled in.
QUOTED_BRACE = re.compile(r"'[{}]")

Key = tuple[str, ...]
Tree = dict[str, Any]


class TranslationError(Exception):
    """strings.json cannot be turned into runtime translations."""


def dotted(key: Key) -> str:
    """Return `key` as it is written in messages: entity.sensor.alarm.name."""
    return ".".join(key)


def leaves(tree: Tree, prefix: Key = ()) -> Iterator[tuple[Key, Any]]:
    """Yield every text of `tree` with its key, in the order of the file."""
    for name, item in tree.items():
        if isinstance(item, dict):
            yield from leaves(item, (*prefix, name))
        else:
            yield (*prefix, name), item


def nest(texts: dict[Key, str]) -> Tree:
    """Build the nested file for flat `texts`, keeping their order."""
    tree: Tree = {}
    for key, text in texts.items():
        branch = tree
        for name in key[:-1]:
            branch = branch.setdefault(name, {})
        branch[key[-1]] = text
    return tree


def placeholders(text: str) -> set[str] | None:
    """Return the placeholder names of `text` as Home Assistant reads them; None if unreadable."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return None


def reference_target(text: str) -> Key | None:
    """Return the key a referencing text names, or None for an ordinary text.

    Raises TranslationError for a reference that is not the whole text or that points outside
    this integration (Home Assistant's own strings are not on hand to resolve it).
    """
    if "[%" not in text and "%]" not in text:
        return None
    match = REFERENCE.fullmatch(text)
    if match is None:
        raise TranslationError("a reference must be the whole text")
    parts = tuple(match[1].split("::"))
    if parts[: len(OWN_PREFIX)] != OWN_PREFIX or len(parts) == len(OWN_PREFIX):
        raise TranslationError(f"only keys of component::{DOMAIN} can be referenced")
    return parts[len(OWN_PREFIX) :]


@dataclass
class Source:
    """strings.json: its texts and which of them are references to which key."""

    texts: dict[Key, str]
    references: dict[Key, Key]

    @classmethod
    def load(cls, package: Path) -> Source:
        """Read and check strings.json of `package`."""
        texts = dict(leaves(_read(package / SOURCE)))
        references: dict[Key, Key] = {}
        errors: list[str] = []
        for key, text in texts.items():
            if not isinstance(text, str):
                errors.append(f"{dotted(key)}: not a text")
                continue
            try:
                target = reference_target(text)
            except TranslationError as err:
                errors.append(f"{dotted(key)}: {err}")
                continue
            if target is not None:
                references[key] = target
        for key, target in references.items():
            if target not in texts:
                errors.append(f"{dotted(key)}: refers to {dotted(target)}, which does not exist")
            elif target in references:
                errors.append(
                    f"{dotted(key)}: refers to {dotted(target)}, itself a reference;"
                    " refer to the text directly"
                )
        if errors:
            raise TranslationError("strings.json:\n  " + "\n  ".join(errors))
        return cls(texts, references)

    def english(self) -> dict[Key, str]:
        """Return the English texts with every reference resolved."""
        return {key: self.texts[self.references.get(key, key)] for key in self.texts}

    def runtime(self, language: dict[Key, str]) -> dict[Key, str]:
        """Return what `build` writes for a language: filled, ordered, pruned."""
        made: dict[Key, str] = {}
        for key in self.texts:
            own = self.references.get(key, key)
            if own in language:
                made[key] = language[own]
        return made


@dataclass
class Report:
    """What one language file lacks or has wrong."""

    language: str
    missing: dict[Key, str] = field(default_factory=dict)
    extra: list[Key] = field(default_factory=list)
    placeholders: list[str] = field(default_factory=list)
    empty: list[Key] = field(default_factory=list)
    stale: bool = False

    @property
    def complete(self) -> bool:
        """Whether Home Assistant shows this language with nothing missing or wrong."""
        return not (self.missing or self.extra or self.placeholders or self.empty or self.stale)

    def lines(self) -> list[str]:
        """The report as text."""
        if self.complete:
            return [f"{self.language}: complete"]
        lines = [f"{self.language}:"]
        lines += [
            f"  missing  {dotted(k)}: {json.dumps(t, ensure_ascii=False)}"
            for k, t in self.missing.items()
        ]
        lines += [f"  extra    {dotted(key)}" for key in self.extra]
        lines += [f"  placeholders {problem}" for problem in self.placeholders]
        lines += [f"  empty    {dotted(key)}" for key in self.empty]
        if self.stale:
            lines.append(f"  translations/{self.language}.json is not what build writes: run build")
        return lines


def _read(path: Path) -> Tree:
    loaded = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(loaded, dict):
        raise TranslationError(f"{path}: not a JSON object")
    return loaded


def _dump(tree: Tree) -> str:
    return json.dumps(tree, indent=2, ensure_ascii=False) + "\n"


def languages(package: Path) -> list[str]:
    """Return the languages that have a file under translations/, English first."""
    found = sorted(path.stem for path in (package / "translations").glob("*.json"))
    return sorted(found, key=lambda language: language != ENGLISH)


def check(package: Path = PACKAGE) -> list[Report]:
    """Return a report for every language of `package`."""
    source = Source.load(package)
    english = source.english()
    # A referencing text needs no translation of its own: build fills it in.
    own = {key: english[key] for key in source.texts if key not in source.references}
    reports = []
    for language in languages(package):
        path = package / "translations" / f"{language}.json"
        text = path.read_text(encoding="utf-8")
        texts = dict(leaves(_read(path)))
        report = Report(language)
        report.missing = {
            key: english_text for key, english_text in own.items() if key not in texts
        }
        report.extra = [key for key in texts if key not in source.texts]
        for key, translated in texts.items():
            if key not in english:
                continue
            if not isinstance(translated, str) or not translated.strip():
                report.empty.append(key)
                continue
            expected, found = placeholders(english[key]), placeholders(translated)
            if QUOTED_BRACE.search(translated):
                report.placeholders.append(f"{dotted(key)}: an apostrophe before a brace")
            elif found is None or found != expected:
                report.placeholders.append(
                    f"{dotted(key)}: {sorted(found) if found is not None else 'unreadable'}"
                    f", English has {sorted(expected or ())}"
                )
        wanted = english if language == ENGLISH else source.runtime(texts)
        report.stale = text != _dump(nest(wanted))
        reports.append(report)
    return reports


def build(package: Path = PACKAGE) -> list[str]:
    """Write every language's runtime file; return the languages whose file changed."""
    source = Source.load(package)
    folder = package / "translations"
    folder.mkdir(exist_ok=True)
    targets = {ENGLISH: source.english()}
    for language in languages(package):
        if language != ENGLISH:
            targets[language] = source.runtime(dict(leaves(_read(folder / f"{language}.json"))))
    changed = []
    for language, texts in targets.items():
        path = folder / f"{language}.json"
        content = _dump(nest(texts))
        if not path.is_file() or path.read_text(encoding="utf-8") != content:
            path.write_text(content, encoding="utf-8")
            changed.append(language)
    return changed


def main(argv: list[str] | None = None) -> int:
    """Check or build from the command line."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("command", nargs="?", choices=["check", "build"], default="check")
    parser.add_argument(
        "--package", type=Path, default=PACKAGE, help="the integration folder (default: this one)"
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            changed = build(args.package)
            print(f"written: {', '.join(changed)}" if changed else "nothing to write")
        reports = check(args.package)
    except (TranslationError, ValueError) as err:
        print(f"translations: {err}", file=sys.stderr)
        return 1
    for report in reports:
        print("\n".join(report.lines()))
    return 0 if all(report.complete for report in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
