#!/usr/bin/python3
"""A signup through nginx over TLS, from a chosen client address, as a browser would send it.

    signup_through_proxy.py HOST PORT CA_FILE CLIENT_IP EMAIL

Reads the signup form (every hidden field it carries, CSRF token included), posts it back with the cookies the
server set and a spoofed X-Forwarded-For, follows the 303 to /welcome and prints one JSON line:
{"signup_status": 303, "location": "...", "welcome_status": 200, "key_shown": true, "cookie_names": [...]}
Standard library only (Debian's python3).
"""
import html.parser
import http.client
import json
import ssl
import sys
import urllib.parse


class HiddenFields(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields = {}
        self.in_signup_form = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("action", "").endswith("/signup"):
            self.in_signup_form = True
        if tag == "input" and self.in_signup_form and a.get("type") == "hidden" and a.get("name"):
            self.fields[a["name"]] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_signup_form = False


def main():
    host, port, ca_file, client_ip, email = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
    context = ssl.create_default_context(cafile=ca_file)
    origin = f"https://{host}:{port}"

    def request(method, path, body=None, headers=None, cookies=None):
        conn = http.client.HTTPSConnection(host, port, context=context, source_address=(client_ip, 0), timeout=30)
        h = dict(headers or {})
        if cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        conn.request(method, path, body=body, headers=h)
        response = conn.getresponse()
        data = response.read().decode("utf-8", "replace")
        conn.close()
        return response, data

    def set_cookies(response, jar):
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                k, _, v = pair.partition("=")
                jar[k.strip()] = v.strip()

    jar = {}
    form_page, text = request("GET", "/signup")
    set_cookies(form_page, jar)
    parser = HiddenFields()
    parser.feed(text)
    fields = dict(parser.fields)
    fields.update({"email": email, "name": "Ada Lovelace", "company": "Analytical Engines"})
    body = urllib.parse.urlencode(fields)
    signup, _ = request("POST", "/signup", body=body, cookies=jar, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Origin": origin,
        "Sec-Fetch-Site": "same-origin",
        # A client may claim anything here; rsolv must record the address nginx saw.
        "X-Forwarded-For": "203.0.113.9",
    })
    set_cookies(signup, jar)
    location = signup.getheader("Location") or ""
    welcome_status, key_shown = 0, False
    if signup.status == 303:
        welcome, page = request("GET", urllib.parse.urlparse(location).path or "/welcome", cookies=jar)
        welcome_status = welcome.status
        key_shown = "rsolv_" in page
    print(json.dumps({"signup_status": signup.status, "location": location, "welcome_status": welcome_status,
                      "key_shown": key_shown, "cookie_names": sorted(jar)}))


if __name__ == "__main__":
    main()
