"""argparse in zerodl's language: the headings of --help, and argparse's own complaints.

argparse writes its words with the standard library's gettext, in its own domain, which no
catalogue of zerodl's reaches; and changing argparse's module for the whole process is not for
a library to do. So zerodl's Parser says them itself: its usage prefix and section headings come
from zerodl's catalogue (a HelpFormatter subclass and the parser's own titles), and a complaint
argparse formats in English is read back by the patterns below, the few argparse has (Python
3.10 to 3.13), and said again in the current language. Whatever is not recognised is shown as
argparse wrote it.
"""

import argparse
import re
import textwrap

from zerodl.cli.common import UsageError
from zerodl.i18n import N_, _, text_width, translate

__all__ = ["Parser", "HelpFormatter", "RawDescriptionHelpFormatter", "translate_argparse"]

# argparse's messages, as regular expressions of what it writes, and zerodl's own wording of
# each, with the same fields; "argument X: ..." is translated in two steps, its frame and then
# its message.
ARGPARSE_MESSAGES = (
    (r"argument (?P<name>.+?): (?P<message>.+)", N_("argument {name}: {message}")),
    (
        r"the following arguments are required: (?P<names>.+)",
        N_("the following arguments are required: {names}"),
    ),
    (r"unrecognized arguments: (?P<words>.+)", N_("unrecognized arguments: {words}")),
    (
        r"invalid choice: (?P<value>.+) \(choose from (?P<choices>.+)\)",
        N_("invalid choice: {value} (choose from {choices})"),
    ),
    (r"invalid (?P<type>\S+) value: (?P<value>.+)", N_("invalid {type} value: {value}")),
    (r"expected one argument", N_("expected one argument")),
    (r"expected at least one argument", N_("expected at least one argument")),
    (r"not allowed with argument (?P<other>.+)", N_("not allowed with argument {other}")),
    (r"ignored explicit argument (?P<value>.+)", N_("ignored explicit argument {value}")),
)


def translate_argparse(message):
    """`message`, one of argparse's complaints in English, in the current language."""
    for pattern, ours in ARGPARSE_MESSAGES:
        found = re.fullmatch(pattern, message, flags=re.DOTALL)
        if found:
            fields = found.groupdict()
            if "message" in fields:
                fields["message"] = translate_argparse(fields["message"])
            return translate(ours).format(**fields)
    return message


# Where a Japanese line may not break: before a closing sign, after an opening one (禁則).
NO_BREAK_BEFORE = "、。，．）」』】：；！？・ー"
NO_BREAK_AFTER = "（「『【"


def wrap(text, width):
    """The lines of `text` of at most `width` terminal columns. English breaks between words, as
    textwrap does; Japanese, which has no spaces, also between any two of its characters."""
    text = " ".join(text.split())
    if all(ord(c) < 0x3000 for c in text):
        return textwrap.wrap(text, width)
    lines, line = [], ""
    for token in re.findall(r"[\u3000-\uffff]| +|[^ \u3000-\uffff]+", text):
        fits = text_width(line + token) <= width
        if fits or not line.strip() or token in NO_BREAK_BEFORE or line[-1] in NO_BREAK_AFTER:
            line += token
            continue
        lines.append(line.rstrip())
        line = token.lstrip()
    if line.strip():
        lines.append(line.rstrip())
    return lines


class _TranslatedUsage:
    """A HelpFormatter whose "usage: " is in the current language, and which wraps Japanese by
    the columns its characters take (two each) rather than by their number."""

    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, _("usage: ") if prefix is None else prefix)

    def _split_lines(self, text, width):
        return wrap(text, width)


class HelpFormatter(_TranslatedUsage, argparse.HelpFormatter):
    """argparse's HelpFormatter, with "usage: " translated and Japanese wrapped by width."""

    def _fill_text(self, text, width, indent):
        return "\n".join(indent + line for line in wrap(text, width - len(indent)))


class RawDescriptionHelpFormatter(_TranslatedUsage, argparse.RawDescriptionHelpFormatter):
    """argparse's RawDescriptionHelpFormatter, with "usage: " translated and the options' help
    in Japanese wrapped by width."""


class Parser(argparse.ArgumentParser):
    """argparse, in the current language, with a wrong command line reported as a UsageError
    (one line, see zerodl.cli.common) instead of usage + error, and options taken only as
    written (no prefixes: --epoch is not --epochs)."""

    def __init__(self, *args, formatter_class=HelpFormatter, **kwargs):
        if formatter_class is argparse.RawDescriptionHelpFormatter:
            formatter_class = RawDescriptionHelpFormatter
        elif formatter_class is argparse.HelpFormatter:
            formatter_class = HelpFormatter
        super().__init__(
            *args, allow_abbrev=False, add_help=False, formatter_class=formatter_class, **kwargs
        )
        self._positionals.title = _("positional arguments")
        self._optionals.title = _("options")
        self.add_argument("-h", "--help", action="help", help=_("show this help message and exit"))

    def error(self, message):
        raise UsageError(translate_argparse(message))

    def known_options(self):
        return [option for option in self._option_string_actions if option.startswith("--")]
