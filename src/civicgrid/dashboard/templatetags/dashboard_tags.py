from django import template

register = template.Library()


@register.filter
def pct(value, digits=1):
    """0.8667 → "86.7%"; None → "—" (no base to divide by)."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.{int(digits)}f}%"


@register.filter
def delta(cur, prev):
    """Signed change against the previous period, for counts."""
    if cur is None or prev is None:
        return ""
    d = cur - prev
    return f"+{d}" if d > 0 else str(d)


@register.filter
def get(d, key):
    return d.get(key) if hasattr(d, "get") else None
