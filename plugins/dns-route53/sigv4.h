// AWS Signature Version 4 (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html)
// for the Route 53 API, and the AWS credential chain as the AWS SDKs read it (environment,
// the shared credentials file, the config file; profile from AWS_PROFILE).
#ifndef CERTBOT_PLUGINS_DNS_ROUTE53_SIGV4_H
#define CERTBOT_PLUGINS_DNS_ROUTE53_SIGV4_H

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace route53 {

struct AwsCredentials {
    std::string access_key_id, secret_access_key, session_token;
    std::string source;  // where they came from, for messages ("environment", a file and profile)
};

// The first complete set of credentials of: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY
// (+ AWS_SESSION_TOKEN); AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials) [PROFILE];
// AWS_CONFIG_FILE (~/.aws/config) [profile PROFILE] or [default]. PROFILE is AWS_PROFILE, else
// AWS_DEFAULT_PROFILE, else "default". Throws naming every place tried.
AwsCredentials load_aws_credentials();

// Sections of an AWS INI file: name -> key -> value (keys lowercased, values trimmed).
std::map<std::string, std::map<std::string, std::string>> parse_aws_ini(const std::string& text);

struct SignedRequest {
    std::string method, host, path, query;  // query already canonical (sorted, encoded) or ""
    std::string body;
    std::string amz_date;  // YYYYMMDD'T'HHMMSS'Z'
};

// The Authorization header value for REQ with headers host, x-amz-date and (when the
// credentials have one) x-amz-security-token, for SERVICE in REGION.
std::string sigv4_authorization(const SignedRequest& req, const AwsCredentials& creds,
                                const std::string& region, const std::string& service);

std::string hex_sha256(const std::string& data);

}  // namespace route53

#endif  // CERTBOT_PLUGINS_DNS_ROUTE53_SIGV4_H
