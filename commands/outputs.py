"""Files clientreg writes: never the database or an input, whole or not at all, owner-only.

An output is written to a temporary file in the target's own folder and takes the target's name
only once it is complete, so a failed or interrupted write leaves the old file (or none). Where
the system allows it (Linux's O_TMPFILE) that temporary file has no name at all until then: a
process killed even by SIGKILL leaves nothing behind. Elsewhere it is ``.NAME.partial`` beside
the target, which the next write of the same target replaces. A new file is readable by its
owner only (0600) whatever the umask; a replaced one keeps its permission bits.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, NamedTuple

import typer

from clientreg.commands.i18n import _

NEW_FILE_MODE = 0o600
_DATABASE_FILES = ("", "-wal", "-shm", "-journal")
# A file system without O_TMPFILE says so with one of these; the named fallback then serves.
_NO_ANONYMOUS_FILES = {errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOSYS}


class _Identity(NamedTuple):
    """Which file a path names: its resolved path, and device and inode when it exists."""

    path: str
    inode: tuple[int, int] | None

    def same(self, other: _Identity) -> bool:
        """The same file, by name or through a link."""
        return self.path == other.path or (self.inode is not None and self.inode == other.inode)


def _identity(path: Path) -> _Identity:
    try:
        found = os.stat(path)
    except (OSError, ValueError):
        return _Identity(os.path.realpath(path), None)
    return _Identity(os.path.realpath(path), (found.st_dev, found.st_ino))


def refuse_clash(ctx: typer.Context, option: str, path: Path | None,
                 inputs: Iterable[str | Path] = ()) -> None:
    """A usage error (exit 2) when ``path`` is the database, one of its files, or an input."""
    from clientreg.commands.context import settings

    if path is None or str(path) == "-":
        return
    database = settings(ctx).db_path
    mine = _identity(path)
    for suffix in _DATABASE_FILES:
        if mine.same(_identity(Path(f"{database}{suffix}"))):
            if suffix:
                message = _("{path} is the {suffix} file of the database {database}; write to "
                            "another file").format(path=path, suffix=suffix, database=database)
            else:
                message = _("{path} is the database {database}; write to another file").format(
                    path=path, database=database)
            raise typer.BadParameter(message, param_hint=f"'{option}'")
    for given in inputs:
        if str(given) == "-":
            continue
        if mine.same(_identity(Path(given))):
            if str(given) == str(path):
                message = _("{path} is read by this command; write to another file").format(
                    path=path)
            else:
                message = _("{path} is {input}, which this command reads; write to another "
                            "file").format(path=path, input=given)
            raise typer.BadParameter(message, param_hint=f"'{option}'")


def _is_special(path: Path) -> bool:
    """A device, a pipe or /proc entry (/dev/stdout, /dev/full): written straight into."""
    if os.path.abspath(path).startswith(("/dev/", "/proc/")):
        return True
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


class OutputFile:
    """One output on its way: ``stream`` takes the bytes, ``commit`` puts them in place."""

    def __init__(self, target: Path, stream: BinaryIO, partial: Path | None,
                 anonymous: bool) -> None:
        self.target = target
        self.stream = stream
        self.partial = partial
        self.anonymous = anonymous
        self.done = False

    @classmethod
    def open(cls, path: Path, *, anonymous: bool = True) -> OutputFile:
        """Start writing ``path``; fails (OSError) at once when its folder cannot take it."""
        if _is_special(path):
            return cls(path, open(path, "wb"), None, False)  # noqa: SIM115
        target = Path(os.path.realpath(path)) if path.is_symlink() else path
        folder = target.parent if str(target.parent) else Path(".")
        try:
            mode = stat.S_IMODE(os.stat(target).st_mode)
        except FileNotFoundError:
            mode = NEW_FILE_MODE
        descriptor = None
        if anonymous and hasattr(os, "O_TMPFILE") and os.path.isdir("/proc/self/fd"):
            try:
                descriptor = os.open(folder, os.O_TMPFILE | os.O_RDWR, NEW_FILE_MODE)
            except OSError as exc:
                if exc.errno not in _NO_ANONYMOUS_FILES:
                    raise
        partial = folder / f".{target.name}.partial"
        if descriptor is None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(partial)  # what a killed write of this same target left
            descriptor = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_RDWR, NEW_FILE_MODE)
            named = True
        else:
            named = False
        try:
            os.fchmod(descriptor, mode)  # the umask has no say
            stream = os.fdopen(descriptor, "w+b")
        except BaseException:
            os.close(descriptor)
            if named:
                with contextlib.suppress(OSError):
                    os.unlink(partial)
            raise
        return cls(target, stream, partial, not named)

    def commit(self) -> None:
        """The complete file takes the target's name (atomically replacing what was there)."""
        if self.done:
            return
        self.stream.flush()
        if self.partial is None:
            self.done = True
            self.stream.close()
            return
        os.fsync(self.stream.fileno())
        if self.anonymous:
            self._link()
        else:
            self.stream.close()
            os.replace(self.partial, self.target)
        self.done = True
        self.stream.close()

    def _link(self) -> None:
        assert self.partial is not None
        # linkat(AT_SYMLINK_FOLLOW) on /proc/self/fd/N, which gives the file its name; os.link
        # only asks for it when given a folder descriptor.
        source = str(self.stream.fileno())
        descriptors = os.open("/proc/self/fd", os.O_RDONLY)
        try:
            try:
                os.link(source, self.target, src_dir_fd=descriptors, follow_symlinks=True)
                return
            except FileExistsError:
                pass
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.partial)
            os.link(source, self.partial, src_dir_fd=descriptors, follow_symlinks=True)
        finally:
            os.close(descriptors)
        try:
            os.replace(self.partial, self.target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(self.partial)
            raise

    def discard(self) -> None:
        """Drop what was written; the target stays as it was."""
        if self.done:
            return
        self.done = True
        with contextlib.suppress(OSError):
            self.stream.close()
        if self.partial is not None and not self.anonymous:
            with contextlib.suppress(OSError):
                os.unlink(self.partial)


@contextlib.contextmanager
def output_file(path: Path) -> Iterator[OutputFile]:
    """An OutputFile that is committed when the body ends, discarded when it fails."""
    pending = OutputFile.open(path)
    try:
        yield pending
        pending.commit()
    finally:
        pending.discard()


def cannot_write(path: Path | str, exc: OSError) -> typer.Exit:
    """Say that a file cannot be written (exit 3); the caller raises what this returns."""
    from clientreg.commands.boundary import EXIT_ENVIRONMENT, print_error

    print_error(_("Error: cannot write {file}: {reason}").format(
        file=path, reason=exc.strerror or exc))
    sys.stderr.flush()
    return typer.Exit(EXIT_ENVIRONMENT)
