#!/usr/bin/python3
# zeep_client: python3-zeep and urllib (Debian's, as a province's developer would use them)
# against a reference node, for tests/test_interop.c. Prints one JSON object of what the clients
# saw; the C test asserts on it. Nothing here decides pass or fail.
#
#   zeep_client.py BASE_URL USER SECRET MSG_EXCHANGE MSG_FAULT MSG_CHALLENGE MSG_URLLIB
#
# Each MSG_* is a file holding a 12328 Message (the C test makes them, each with its own MsgId):
#   exchange   zeep loads BASE_URL/soap?wsdl (warnings counted) and sends it, credentials sent
#              up front; the Answer's Result/Code is reported
#   fault      the same with a SOAP header block that must be understood: zeep's Fault code,
#              message and the detail's Result/Code are reported
#   challenge  zeep with credentials sent only when the node asks (a 401 with a Basic
#              challenge), as Java's and .NET's clients do; what the challenge said is reported
#   urllib     a hand-made SOAP request through urllib's HTTPBasicAuthHandler, which also
#              answers a challenge only
import base64
import json
import logging
import re
import sys
import urllib.request
import warnings

import requests
import zeep
import zeep.exceptions
from lxml import etree

BASELINE_NS = "urn:ctk12328:baseline:1"
SOAP11_NS = "http://schemas.xmlsoap.org/soap/envelope/"
TIMEOUT = 10


def answer_code(answer_text):
    """Result/Code of an Answer (the text zeep returns for ex:answer)."""
    if not isinstance(answer_text, str):
        answer_text = getattr(answer_text, "answer", None) or ""
    doc = etree.fromstring(answer_text.encode("utf-8"))
    code = doc.find("{%s}Result/{%s}Code" % (BASELINE_NS, BASELINE_NS))
    return code.text if code is not None else None


class ChallengeBasicAuth(requests.auth.AuthBase):
    """HTTP Basic sent only after a 401 asks for it (RFC 7617), the way requests' own
    HTTPDigestAuth answers a Digest challenge: the first request goes without credentials."""

    def __init__(self, user, secret):
        self.user = user
        self.secret = secret
        self.challenges = []

    def handle_401(self, response, **kwargs):
        if response.status_code != 401:
            return response
        header = response.headers.get("WWW-Authenticate", "")
        self.challenges.append(header)
        if not header.lower().startswith("basic"):
            return response
        response.content  # read the body so the connection can be reused
        response.close()
        retry = response.request.copy()
        token = base64.b64encode(("%s:%s" % (self.user, self.secret)).encode()).decode()
        retry.headers["Authorization"] = "Basic " + token
        sent = response.connection.send(retry, **kwargs)
        sent.history.append(response)
        sent.request = retry
        return sent

    def __call__(self, request):
        request.register_hook("response", self.handle_401)
        return request


class Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records = []

    def emit(self, record):
        self.records.append(record.getMessage())


def client_with(wsdl_url, auth):
    session = requests.Session()
    session.auth = auth
    transport = zeep.Transport(session=session, timeout=TIMEOUT, operation_timeout=TIMEOUT)
    return zeep.Client(wsdl_url, transport=transport)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def main():
    base, user, secret, m_exchange, m_fault, m_challenge, m_urllib = sys.argv[1:8]
    wsdl_url = base + "/soap?wsdl"
    out = {}

    # 1. the WSDL loads without a warning, and an exchange goes through
    caught = Collect()
    logging.getLogger("zeep").addHandler(caught)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        client = client_with(wsdl_url, requests.auth.HTTPBasicAuth(user, secret))
        answer = client.service.exchange(message=read(m_exchange))
    out["wsdl_warnings"] = [str(x.message) for x in w] + caught.records
    out["address"] = client.service._binding_options["address"]
    out["exchange_code"] = answer_code(answer)

    # 2. a Fault, read as zeep reads one
    trace = etree.Element("{urn:example:trace}Trace")
    trace.set("{%s}mustUnderstand" % SOAP11_NS, "1")
    try:
        client.service.exchange(message=read(m_fault), _soapheaders=[trace])
        out["fault"] = None
    except zeep.exceptions.Fault as fault:
        detail_code = None
        if fault.detail is not None:
            node = fault.detail.find(".//{%s}Code" % BASELINE_NS)
            detail_code = node.text if node is not None else None
        out["fault"] = {"code": fault.code, "message": fault.message, "detail_code": detail_code}

    # 3. credentials only when challenged
    auth = ChallengeBasicAuth(user, secret)
    challenged = client_with(wsdl_url, auth)
    out["challenge_code"] = answer_code(challenged.service.exchange(message=read(m_challenge)))
    out["challenges"] = auth.challenges

    # 4. urllib's own challenge handling (HTTPBasicAuthHandler answers a 401 only)
    envelope = ('<?xml version="1.0" encoding="UTF-8"?>'
                '<s:Envelope xmlns:s="%s"><s:Body><ex:exchange xmlns:ex="urn:ctk12328:baseline'
                ':1:soap"><ex:message><![CDATA[%s]]></ex:message></ex:exchange></s:Body>'
                '</s:Envelope>' % (SOAP11_NS, read(m_urllib)))
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    passwords.add_password(None, base, user, secret)
    opener = urllib.request.build_opener(urllib.request.HTTPBasicAuthHandler(passwords))
    request = urllib.request.Request(base + "/soap", data=envelope.encode("utf-8"), headers={
        "Content-Type": "text/xml; charset=UTF-8",
        "SOAPAction": '"urn:ctk12328:baseline:1#exchange"'})
    with opener.open(request, timeout=TIMEOUT) as response:
        body = response.read().decode("utf-8")
        out["urllib_status"] = response.status
    match = re.search(r"<ex:answer>(.*)</ex:answer>", body, re.S) or \
        re.search(r"answer[^>]*>(.*)</[^>]*answer>", body, re.S)
    text = match.group(1) if match else ""
    text = text.replace("<![CDATA[", "").replace("]]>", "")
    if "&lt;" in text:
        text = etree.fromstring(("<x>%s</x>" % text).encode("utf-8")).text
    out["urllib_code"] = answer_code(text) if text else None

    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
