/* gsoap_client: the client a province's developer gets from gSOAP, for tests/test_interop.c.
 * The stubs are generated at test time from the WSDL a node serves at ?wsdl (wsdl2h with
 * tests/interop/gsoap-typemap.dat, then soapcpp2 -c) into the build folder; this file is the
 * only hand-written part. The endpoint is the one the served WSDL names, not a command-line
 * argument, so the test also proves the WSDL's address.
 *
 *   gsoap_client soap11|soap12 USER SECRET MESSAGE_FILE
 *
 * Sends the message (a 12328 Message, as text) through the generated exchange operation, with
 * HTTP Basic credentials, in SOAP 1.1 (as the WSDL says) or SOAP 1.2 (to get a fault).
 * Prints "answer" and the Answer text, exit 0; or "fault", the faultcode, the faultstring and
 * the detail, one a line, exit 3; anything else exit 4 with gSOAP's reason on stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "soapH.h"
#include "ExchangeSoap11.nsmap"

#define MESSAGE_MAX (1024 * 1024)

static char *read_message(const char *path)
{
  FILE *f = fopen(path, "rb");
  char *text;
  size_t n;

  if(!f)
    return NULL;
  text = malloc(MESSAGE_MAX + 1);
  if(!text) {
    fclose(f);
    return NULL;
  }
  n = fread(text, 1, MESSAGE_MAX, f);
  fclose(f);
  text[n] = '\0';
  return text;
}

/* The generated namespace table with SOAP 1.2's envelope and encoding, accepting SOAP 1.1's
 * on input (a 1.1 node answers a 1.2 envelope with a 1.1 VersionMismatch fault). */
static struct Namespace *soap12_namespaces(void)
{
  size_t n = 0;
  struct Namespace *t;

  while(namespaces[n].id)
    n++;
  t = calloc(n + 1, sizeof(*t));
  if(!t)
    return NULL;
  memcpy(t, namespaces, (n + 1) * sizeof(*t));
  t[0].ns = "http://www.w3.org/2003/05/soap-envelope";
  t[0].in = "http://schemas.xmlsoap.org/soap/envelope/";
  t[1].ns = "http://www.w3.org/2003/05/soap-encoding";
  t[1].in = "http://schemas.xmlsoap.org/soap/encoding/";
  return t;
}

static const char *or_empty(const char *s)
{
  return s ? s : "";
}

int main(int argc, char **argv)
{
  struct soap *soap;
  struct Namespace *ns12 = NULL;
  struct _ex__exchange req;
  struct _ex__exchangeResponse resp;
  char *message;
  int rc;
  int status;

  if(argc != 5 || (strcmp(argv[1], "soap11") && strcmp(argv[1], "soap12"))) {
    fputs("usage: gsoap_client soap11|soap12 USER SECRET MESSAGE_FILE\n", stderr);
    return 2;
  }
  message = read_message(argv[4]);
  if(!message) {
    fprintf(stderr, "gsoap_client: cannot read %s\n", argv[4]);
    return 2;
  }
  soap = soap_new();
  if(!soap)
    return 4;
  if(!strcmp(argv[1], "soap12")) {
    ns12 = soap12_namespaces();
    if(!ns12)
      return 4;
    soap_set_namespaces(soap, ns12);
  }
  soap->userid = argv[2];
  soap->passwd = argv[3];
  soap->connect_timeout = 5;
  soap->recv_timeout = 10;
  soap->send_timeout = 10;
  soap_default__ex__exchange(soap, &req);
  soap_default__ex__exchangeResponse(soap, &resp);
  req.message = message;

  /* NULL endpoint and action: the generated defaults, i.e. what the served WSDL says */
  rc = soap_call___ex__exchange(soap, NULL, NULL, &req, &resp);
  if(rc == SOAP_OK) {
    printf("answer\n%s\n", or_empty(resp.answer));
    status = 0;
  }
  else if(soap->fault) {
    const char **code = soap_faultcode(soap);
    printf("fault\n%s\n%s\n%s\n", code ? or_empty(*code) : "", or_empty(soap_fault_string(soap)),
           or_empty(soap_fault_detail(soap)));
    status = 3;
  }
  else {
    soap_print_fault(soap, stderr);
    status = 4;
  }
  free(message);
  soap_destroy(soap);
  soap_end(soap);
  soap_free(soap);
  free(ns12);
  return status;
}
