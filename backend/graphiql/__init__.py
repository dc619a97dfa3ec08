"""GraphiQL without the internet: strawberry's GraphiQL page loads React, GraphiQL and its explorer plugin from
unpkg.com; the very same files (npm pack react@18.2.0 react-dom@18.2.0 js-cookie@3.0.5 graphiql@3.8.3
@graphiql/plugin-explorer@1.0.2, identical to what unpkg serves: the page's integrity hashes still hold) are
vendored under static/ (their MIT licences next to them) and served by the backend at /graphiql/static/, and the
page is pointed at them. A mine's network often has no way out; the development console works all the same."""

from __future__ import annotations

import re
from pathlib import Path

from strawberry.asgi import GraphQL

ASSETS_DIR = Path(__file__).parent / "static"
URL_PREFIX = "/graphiql/static"
CDN = "https://unpkg.com/"
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""")


def local_page(html: str) -> str:
    """Strawberry's GraphiQL page with every asset loaded from this backend; refuses a page that would still
    reach out (a strawberry upgrade that loads something new must vendor it too)."""
    page = html.replace(CDN, URL_PREFIX + "/")
    if EXTERNAL.search(page):
        raise RuntimeError("the GraphiQL page loads an asset that is not vendored in backend/graphiql/static")
    return page


class LocalGraphiQL(GraphQL):  # type: ignore[type-arg]
    """strawberry's ASGI GraphQL app whose GraphiQL page loads its assets from /graphiql/static."""

    @property
    def graphql_ide_html(self) -> str:
        return local_page(super().graphql_ide_html)
