"""Open311 GeoReport v2 against the live server with a real third-party client (scripts/contract-test).

`georeport` (PyPI) does the reads; it only GETs, so creating a request and reading a token go through the small
client here (form-encoded POST with the centre's API key). Checks that georeport lists the services, reads a service
definition, and finds a request created through POST, in JSON and XML, and that no personal data comes back.
Trusts the dev CA through REQUESTS_CA_BUNDLE. Exits nonzero on the first failed check.
"""

import os
import sys

import requests
from georeport import GeoReport

ROOT = os.environ["HOTLINE_CONTRACT_BASE_URL"] + "/open311/v2"
API_KEY = os.environ["HOTLINE_CONTRACT_API_KEY"]
JURISDICTION = os.environ.get("HOTLINE_OPEN311_JURISDICTION", "beijing.gov.cn")
PERSONAL = ["Lihua", "Zhao", "13911112222", "lihua.zhao@example.net"]

checks = 0


def check(condition, what):
    global checks
    if not condition:
        print(f"georeport check FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    checks += 1
    print(f"  ok  {what}")


def post_request():
    """Our own POST: GeoReport v2 form fields, the API key, an Idempotency-Key."""
    response = requests.post(
        f"{ROOT}/requests.json",
        data={
            "api_key": API_KEY, "jurisdiction_id": JURISDICTION, "service_code": "0902",
            "lat": "39.9087", "long": "116.4470", "address_string": "北京市朝阳区建国门外大街1号",
            "description": "路灯不亮 The street light outside no. 1 has been out for a week.",
            "first_name": "Lihua", "last_name": "Zhao", "phone": "13911112222", "email": "lihua.zhao@example.net",
        },
        headers={"Idempotency-Key": "georeport-check-1"},
        timeout=30,
    )
    check(response.status_code in (200, 201), f"POST requests.json answers 201 ({response.status_code})")
    body = response.json()
    check(isinstance(body, list) and len(body) == 1, "POST answers a list of one")
    return body[0]["service_request_id"], body[0]["token"]


def main():
    print("georeport check: Open311 GeoReport v2 through the georeport client")
    request_id, token = post_request()

    for output_format in ("json", "xml"):
        client = GeoReport(ROOT, jurisdiction=JURISDICTION, output_format=output_format)
        services = client.get_service_list()
        codes = [s["service_code"] for s in services]
        check(len(services) > 90 and "0902" in codes, f"{output_format}: get_service_list lists the catalogue's classes ({len(services)})")
        definition = client.get_service_definition("0504")
        check(definition["service_code"] == "0504", f"{output_format}: get_service_definition(0504)")
        found = client.get_service_request(request_id)
        check(found["service_request_id"] == request_id, f"{output_format}: get_service_request finds the POSTed request")
        check(found["status"] == "open" and found["service_code"] == "0902", f"{output_format}: it is open, service 0902")
        listed = client.get_service_requests(service_code="0902", status="open")
        if isinstance(listed, dict):  # xmltodict gives a dict for a single element
            listed = [listed]
        check(any(r["service_request_id"] == request_id for r in listed), f"{output_format}: get_service_requests lists it")
        text = repr(services) + repr(definition) + repr(found) + repr(listed)
        check(not any(p in text for p in PERSONAL), f"{output_format}: no personal data in what georeport read")

    # Tokens: georeport has no call for them; ours.
    response = requests.get(f"{ROOT}/tokens/{token}.json", timeout=30)
    check(response.status_code == 200 and response.json() == [{"token": token, "service_request_id": request_id}],
          "tokens/{token}.json answers [{token, service_request_id}]")
    response = requests.post(f"{ROOT}/requests.json", data={"api_key": "hlk_wrong", "service_code": "0902"}, timeout=30)
    check(response.status_code == 403 and response.json()[0]["code"] == 403, "a wrong api_key is 403 with the errors list")
    print(f"georeport check: all {checks} checks passed")


if __name__ == "__main__":
    main()
