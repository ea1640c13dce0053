"""Every internal link of the built site resolves: usage site-links.py SITE_DIR.

For each .html file, every href/src that is relative (not a scheme such as https: or
mailto:, not protocol-relative, not only a #fragment) must name an existing file once its
#fragment and ?query are stripped. Prints the broken ones and exits 1 if there are any.
"""

import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value.strip())


def main(site):
    site = Path(site).resolve()
    broken = []
    pages = sorted(site.rglob("*.html"))
    for page in pages:
        parser = Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for link in parser.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not parts.path:
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{page.relative_to(site)}: {link}")
    broken = sorted(set(broken))
    for line in broken:
        print("broken link:", line)
    print(f"links: {len(pages)} pages checked, {len(broken)} broken (distinct page: link pairs)")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
