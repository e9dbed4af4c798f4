// Paginated listings of provider APIs (domains, records): one loop for every plugin that walks
// "page=1, 2, ..." until it finds what it looks for or the server says there is no next page. The
// walk is bounded (a server that always says "next" cannot keep a run going) and every page is
// untrusted JSON.
#ifndef CERTBOT_PLUGINS_SUPPORT_DNS_PAGING_H
#define CERTBOT_PLUGINS_SUPPORT_DNS_PAGING_H

#include "dns_https.h"
#include "dns_json.h"

#include <functional>
#include <stdexcept>
#include <string>

namespace certbot::plugin::dns {

struct PagedListing {
    // Sends the request for PAGE (1-based) and returns the response.
    std::function<HttpsResponse(int page)> fetch;
    // The member of a page's JSON object that holds its items ("domain_records"); nullptr when
    // the page's body is the array itself.
    const char* items = nullptr;
    // Names the request in errors about the body ("Linode API (GET /domains/7/records)").
    std::string where;
    // Called with a response whose status is not 200; must throw the plugin's error.
    std::function<void(const HttpsResponse&)> fail;
    // True when another page follows PAGE (from the page's links, counts...); absent: one page.
    std::function<bool(const rapidjson::Document&, int page)> has_next;
    int max_pages = 50;
};

// Calls VISIT on each item of every page of L, in order, until VISIT returns true; returns
// whether it did. A page without the items array ends the walk.
inline bool find_in_pages(const PagedListing& l,
                          const std::function<bool(const rapidjson::Value&)>& visit) {
    for (int page = 1; page <= l.max_pages; ++page) {
        HttpsResponse r = l.fetch(page);
        if (r.status != 200) {
            l.fail(r);
            throw std::runtime_error("The " + l.where + " answered HTTP status " +
                                     std::to_string(r.status) + ".");
        }
        rapidjson::Document d = parse_json(r.body, l.where);
        const rapidjson::Value* list =
            l.items ? json_array(d, l.items) : (d.IsArray() ? &d : nullptr);
        if (!list) return false;
        for (const auto& x : list->GetArray())
            if (visit(x)) return true;
        if (!l.has_next || !l.has_next(d, page)) return false;
    }
    return false;
}

}  // namespace certbot::plugin::dns

#endif  // CERTBOT_PLUGINS_SUPPORT_DNS_PAGING_H
