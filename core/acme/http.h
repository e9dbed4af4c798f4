// HTTP behind a narrow interface, so the ACME state machine can be tested with a fake.
// The real client (cpp-httplib + OpenSSL) verifies the server against the system CAs, or the
// bundle named by SSL_CERT_FILE / REQUESTS_CA_BUNDLE, and bounds every response in size and
// time: a hostile or broken server cannot make the client hang or eat memory.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "result.h"

namespace certbot {

struct HttpRequest {
    std::string method = "GET";  // GET, HEAD, POST
    std::string url;
    std::string body;
    std::string content_type;
};

struct HttpResponse {
    int status = 0;
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;
    std::string header(const std::string& lower_name) const {
        auto it = headers.find(lower_name);
        return it == headers.end() ? std::string() : it->second;
    }
};

class HttpClient {
  public:
    virtual ~HttpClient() = default;
    virtual Result<HttpResponse> send(const HttpRequest& request) = 0;
    // Makes ready what a first request to url's origin would set up before connecting (the
    // real client: its TLS context, which on a process's first one is also OpenSSL's one-time
    // set-up, and its deadline watchdog), so that request starts with the connection. Sends
    // nothing; a client without such set-up does nothing.
    virtual void prepare(const std::string& url) { (void)url; }
};

struct HttpOptions {
    bool verify_tls = true;
    std::string ca_file;  // empty: SSL_CERT_FILE, REQUESTS_CA_BUNDLE, else system store
    // TLS client authentication (PEM files, both or neither): etcd members that require it.
    std::string client_cert_file, client_key_file;
    std::string user_agent = "CertbotNative";
    size_t max_body = 2 << 20;  // bytes; larger responses are an error
    int connect_timeout_s = 10;
    int read_timeout_s = 30;   // per read
    int total_timeout_s = 60;  // whole response
};

std::unique_ptr<HttpClient> make_http_client(const HttpOptions& options);

struct Url {
    std::string scheme, host, path;  // path includes the query
    int port = 0;
    std::string origin() const;  // scheme://host:port
};
// The CA bundle named by the environment ("" for the system CAs): REQUESTS_CA_BUNDLE, else
// CURL_CA_BUNDLE, else SSL_CERT_FILE, as Python certbot (requests) reads them.
std::string env_ca_file();
// Parses an absolute http(s) URL. Rejects userinfo, control characters, spaces and more than
// 2048 characters; with require_https, anything but https.
Result<Url> parse_url(const std::string& text, bool require_https);

}  // namespace certbot
