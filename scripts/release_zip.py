"""Build the release archive HACS installs: the integration folder's contents, tag's version.

    python3 scripts/release_zip.py v1.2.3 dist/daly_bms.zip

HACS (``zip_release`` in hacs.json) extracts the archive straight into
``custom_components/daly_bms/``, so ``manifest.json`` sits at the archive's root, not
under a folder. The manifest inside takes its version from the tag; the checkout is not
touched. Only the standard library is used: the release job runs it on a bare runner.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import re
import sys
import zipfile

REPO = Path(__file__).resolve().parents[1]
INTEGRATION = REPO / "custom_components" / "daly_bms"
# v + a version Home Assistant's loader accepts for a custom integration (AwesomeVersion:
# semantic, or with a PEP 440 pre-release such as 1.2.0b1).
TAG = re.compile(r"v(?P<version>\d+\.\d+\.\d+(?:(?:a|b|rc)\d+)?)")
# Build leftovers that must never ship.
SKIPPED_DIRS = frozenset({"__pycache__"})
SKIPPED_SUFFIXES = frozenset({".pyc", ".pyo"})
# A fixed timestamp makes two builds of one tag byte-identical.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class ReleaseError(Exception):
    """The tag or the integration folder cannot make a release."""


def version_from_tag(tag: str) -> str:
    """Return the manifest version a tag such as ``v1.2.3`` stands for."""
    match = TAG.fullmatch(tag.strip())
    if match is None:
        raise ReleaseError(f"tag {tag!r} is not v<major>.<minor>.<patch>[a|b|rc<n>]")
    return match["version"]


def archive_members(folder: Path) -> list[Path]:
    """Return the files to ship, relative to `folder`, in a stable order."""
    members = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if not path.is_file() or path.suffix in SKIPPED_SUFFIXES:
            continue
        if SKIPPED_DIRS.intersection(relative.parts):
            continue
        members.append(relative)
    return members


def manifest_with_version(folder: Path, version: str) -> bytes:
    """Return manifest.json with `version` set and every other key kept in order."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    if not isinstance(manifest, dict) or "version" not in manifest:
        raise ReleaseError(f"{folder / 'manifest.json'} has no version to set")
    manifest["version"] = version
    return (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()


def build(tag: str, output: Path, folder: Path = INTEGRATION) -> list[str]:
    """Write the archive for `tag` to `output`; return the names it holds."""
    version = version_from_tag(tag)
    members = archive_members(folder)
    if Path("manifest.json") not in members:
        raise ReleaseError(f"{folder} holds no manifest.json")
    output.parent.mkdir(parents=True, exist_ok=True)
    names = []
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for relative in members:
            name = relative.as_posix()
            if name == "manifest.json":
                data = manifest_with_version(folder, version)
            else:
                data = (folder / relative).read_bytes()
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
            names.append(name)
    return names


def main(argv: list[str] | None = None) -> int:
    """Build the archive from the command line; print what went in."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tag", help="the release tag, e.g. v1.2.3")
    parser.add_argument("output", type=Path, help="where to write the archive")
    args = parser.parse_args(argv)
    try:
        names = build(args.tag, args.output)
    except ReleaseError as err:
        print(f"release_zip: {err}", file=sys.stderr)
        return 1
    print(f"{args.output}: {len(names)} files, version {version_from_tag(args.tag)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
