"""A small HTML table, for the ``_repr_html_`` with which Jupyter shows networks and histories."""

from html import escape


def html_table(header, rows, *, caption=None, right=()):
    """An HTML <table>: the header's cells, then one row per item of `rows`, every cell escaped.

    `right` lists the columns aligned right (numbers); `caption` goes above the table.
    """

    def cells(row, tag):
        return "".join(
            f'<{tag} style="text-align: {"right" if i in right else "left"}">'
            f"{escape(str(value))}</{tag}>"
            for i, value in enumerate(row)
        )

    lines = ["<table>"]
    if caption:
        lines.append(f'<caption style="text-align: left">{escape(caption)}</caption>')
    lines.append(f"<thead><tr>{cells(header, 'th')}</tr></thead><tbody>")
    lines += [f"<tr>{cells(row, 'td')}</tr>" for row in rows]
    lines.append("</tbody></table>")
    return "\n".join(lines)
