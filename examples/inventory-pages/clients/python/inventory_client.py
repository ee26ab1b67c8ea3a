"""A client for the inventory site's JSON API, using only Python's standard library.

As a module:

    from inventory_client import InventoryClient
    client = InventoryClient("http://127.0.0.1:8787", token=None)
    hammer = client.create_item(sku="HAM-002", name="Hammer", quantity=3)
    client.adjust(hammer["id"], -1, "sale")

From a shell:

    python3 inventory_client.py --url http://127.0.0.1:8787 list --low-stock
    python3 inventory_client.py create HAM-002 "Hammer" --quantity 3
    python3 inventory_client.py adjust HAM-002 -1 --reason sale

The token can also come from the INVENTORY_API_TOKEN environment variable. It is sent with
writes only, and only to the URL given: a write the server redirects is reported, not resent.
"""

import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request


class InventoryApiError(Exception):
    """The API refused a request; `fields` names what was wrong with which input."""

    def __init__(self, status, code, message, fields=None):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.fields = fields or {}


READ_METHODS = ("GET", "HEAD")


def _origin(url):
    parts = urllib.parse.urlsplit(url)
    return (parts.scheme, parts.hostname, parts.port)


class _GuardedRedirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects of reads, never carrying Authorization to another origin; reports a
    redirected write instead of following it (urllib would resend it as a GET, without its body)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if req.get_method() not in READ_METHODS:
            raise InventoryApiError(
                code,
                "redirected",
                f"the server redirected this {req.get_method()} to {newurl}; it was not sent there. "
                "Use the final address as the URL",
            )
        redirected = super().redirect_request(req, fp, code, msg, headers, newurl)
        if redirected is not None and _origin(newurl) != _origin(req.full_url):
            redirected.remove_header("Authorization")
        return redirected


class InventoryClient:
    def __init__(self, base_url, token=None, timeout=10):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_GuardedRedirects)

    def list_items(self, search=None, category=None, location=None, low_stock=False):
        query = {"q": search, "category": category, "location": location}
        if low_stock:
            query["low_stock"] = "true"
        query = {key: value for key, value in query.items() if value}
        path = "/api/items" + ("?" + urllib.parse.urlencode(query) if query else "")
        return self._request("GET", path)["items"]

    def get_item(self, item_id):
        return self._request("GET", f"/api/items/{int(item_id)}")

    def find_by_sku(self, sku):
        """The item with exactly this SKU, or None."""
        return next((item for item in self.list_items(search=sku) if item["sku"] == sku), None)

    def create_item(self, sku, name, **fields):
        return self._request("POST", "/api/items", {"sku": sku, "name": name, **fields})["item"]

    def adjust(self, item_id, delta, reason):
        """Changes the quantity by `delta` and records why; returns the updated item."""
        body = {"delta": int(delta), "reason": reason}
        return self._request("POST", f"/api/items/{int(item_id)}/adjust", body)["item"]

    def movements(self, item_id=None, limit=50):
        query = {"limit": limit, **({"item_id": item_id} if item_id else {})}
        return self._request("GET", "/api/movements?" + urllib.parse.urlencode(query))["movements"]

    def _request(self, method, path, body=None):
        headers = {"accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["content-type"] = "application/json"
        if self.token and method not in READ_METHODS:
            headers["authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            try:
                detail = json.loads(error.read().decode("utf-8"))["error"]
            except (ValueError, KeyError):
                detail = {"code": "http_error", "message": error.reason}
            raise InventoryApiError(error.code, detail.get("code"), detail.get("message"), detail.get("fields")) from None


def main(argv=None):
    parser = argparse.ArgumentParser(description="Use the inventory site's API.")
    parser.add_argument("--url", default=os.environ.get("INVENTORY_URL", "http://127.0.0.1:8787"))
    parser.add_argument("--token", default=os.environ.get("INVENTORY_API_TOKEN"))
    commands = parser.add_subparsers(dest="command", required=True)

    list_command = commands.add_parser("list", help="list items")
    list_command.add_argument("--search")
    list_command.add_argument("--category")
    list_command.add_argument("--location")
    list_command.add_argument("--low-stock", action="store_true")

    create_command = commands.add_parser("create", help="create an item")
    create_command.add_argument("sku")
    create_command.add_argument("name")
    create_command.add_argument("--quantity", type=int, default=0)
    create_command.add_argument("--location", default="")
    create_command.add_argument("--category", default="")
    create_command.add_argument("--reorder-level", type=int, default=0)
    create_command.add_argument("--unit-cost", type=float, default=0)

    adjust_command = commands.add_parser("adjust", help="add or remove stock of the item with this SKU")
    adjust_command.add_argument("sku")
    adjust_command.add_argument("delta", type=int)
    adjust_command.add_argument("--reason", required=True)

    args = parser.parse_args(argv)
    client = InventoryClient(args.url, token=args.token)
    try:
        if args.command == "list":
            result = client.list_items(args.search, args.category, args.location, args.low_stock)
        elif args.command == "create":
            result = client.create_item(
                args.sku,
                args.name,
                quantity=args.quantity,
                location=args.location,
                category=args.category,
                reorder_level=args.reorder_level,
                unit_cost=args.unit_cost,
            )
        else:
            item = client.find_by_sku(args.sku)
            if item is None:
                print(f"no item with SKU {args.sku}", file=sys.stderr)
                return 1
            result = client.adjust(item["id"], args.delta, args.reason)
    except InventoryApiError as error:
        print(json.dumps({"status": error.status, "code": error.code, "message": str(error), "fields": error.fields}), file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
