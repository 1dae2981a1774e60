// The only file in carekiosk that includes curl.
#include <curl/curl.h>
#include <openssl/x509_vfy.h>

#include <chrono>
#include <ctime>

#include <atomic>
#include <cctype>
#include <mutex>

#include "carekiosk/upload/http_sender.hpp"

namespace carekiosk::upload {

using core::ErrorCode;
using core::makeError;

namespace {

// Below this rate for longer than the window, a transfer is abandoned rather
// than left to hang on a half-dead link until the whole-request timeout.
constexpr long kLowSpeedBytesPerSecond = 100;
constexpr long kLowSpeedWindowSeconds = 20;

void initCurlOnce() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t appendBody(char* data, size_t size, size_t count, void* user) {
    static_cast<std::string*>(user)->append(data, size * count);
    return size * count;
}

size_t collectHeader(char* data, size_t size, size_t count, void* user) {
    std::string line(data, size * count);
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (auto& c : name) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        std::string value = line.substr(colon + 1);
        const auto first = value.find_first_not_of(" \t");
        const auto last = value.find_last_not_of(" \t\r\n");
        value = first == std::string::npos ? "" : value.substr(first, last - first + 1);
        (*static_cast<std::map<std::string, std::string>*>(user))[name] = value;
    }
    return size * count;
}

bool mentions(const std::string& text, std::initializer_list<const char*> words) {
    for (const char* word : words) {
        if (text.find(word) != std::string::npos) {
            return true;
        }
    }
    return false;
}

// Why a TLS handshake failed, by its real cause: a certificate problem is
// explained as one, and a reset or a wrong clock is never called a
// certificate problem. `verifyResult` is OpenSSL's X509_V_* code for the
// collector's chain (CURLINFO_SSL_VERIFYRESULT).
core::Error tlsError(CURLcode code, const std::string& what, long verifyResult,
                     const std::string& url) {
    const std::string rotation = " (docs/reliability.md, \"Certificate rotation\")";
    if (code == CURLE_SSL_PINNEDPUBKEYNOTMATCH) {
        return makeError(ErrorCode::Tls,
                         "the collector at " + url +
                             " presented a key this kiosk does not pin (pinned_public_key). If "
                             "the collector's key was changed on purpose, list both pins, "
                             "sha256//OLD;sha256//NEW, until every kiosk has the new one" +
                             rotation);
    }
    switch (verifyResult) {
        case X509_V_ERR_CERT_NOT_YET_VALID:
        case X509_V_ERR_CERT_HAS_EXPIRED:
        case X509_V_ERR_CRL_NOT_YET_VALID:
        case X509_V_ERR_CRL_HAS_EXPIRED: {
            const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
            char today[32];
            std::tm utc{};
            gmtime_r(&now, &utc);
            std::strftime(today, sizeof today, "%Y-%m-%d %H:%M UTC", &utc);
            return makeError(
                ErrorCode::Tls,
                std::string("the collector's certificate at ") + url +
                    (verifyResult == X509_V_ERR_CERT_HAS_EXPIRED ? " has expired"
                                                                 : " is not valid yet") +
                    " by this kiosk's clock, which reads " + today +
                    ". If that date is wrong, set the clock (timedatectl); if it is "
                    "right, the collector's certificate needs renewing" +
                    rotation);
        }
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        case X509_V_ERR_CERT_SIGNATURE_FAILURE:
            return makeError(ErrorCode::Tls,
                             "the collector's certificate at " + url +
                                 " is not signed by a CA this kiosk trusts (its ca_file). If the "
                                 "collector moved to a new CA, give the kiosks a bundle of the "
                                 "old and the new CA first" +
                                 rotation);
        case X509_V_ERR_HOSTNAME_MISMATCH:
        case X509_V_ERR_IP_ADDRESS_MISMATCH:
            return makeError(ErrorCode::Tls, "the collector's certificate at " + url +
                                                 " was issued for another host name: " + what +
                                                 ". Use the name on the certificate in "
                                                 "server_url, or reissue it with this name");
        default:
            break;
    }
    if (code == CURLE_SSL_CONNECT_ERROR &&
        mentions(what, {"reset", "SSL_ERROR_SYSCALL", "unexpected eof", "Connection refused",
                        "closed", "Broken pipe"})) {
        return makeError(ErrorCode::Network,
                         "the connection to " + url + " was cut during the TLS handshake (" + what +
                             "): the collector or something on the way (a proxy, a firewall) "
                             "closed it. This is not a certificate problem; it is retried");
    }
    if (code == CURLE_SSL_CACERT_BADFILE || code == CURLE_SSL_CERTPROBLEM) {
        return makeError(ErrorCode::Tls, "this kiosk's TLS files cannot be read (" + what +
                                             "): check that ca_file is a readable PEM file");
    }
    return makeError(ErrorCode::Tls,
                     "TLS check of " + url + " failed: " + what +
                         ". The collector's certificate must be signed by the CA file given at "
                         "enrolment and match its host name.");
}

core::Error transportError(CURLcode code, const char* detail, const std::string& url,
                           long verifyResult) {
    const std::string what = std::string(*detail ? detail : curl_easy_strerror(code));
    switch (code) {
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_ISSUER_ERROR:
            return tlsError(code, what, verifyResult, url);
        case CURLE_OPERATION_TIMEDOUT:
            return makeError(ErrorCode::Network, "timed out talking to " + url + ": " + what);
        default:
            return makeError(ErrorCode::Network,
                             "cannot reach " + url + ": " + what +
                                 ". Check the network and that the collector is running.");
    }
}

class CurlSender final : public HttpSender {
  public:
    explicit CurlSender(TlsOptions options) : options_(std::move(options)) {
        initCurlOnce();
        curl_ = curl_easy_init();
    }
    ~CurlSender() override {
        if (curl_) {
            curl_easy_cleanup(curl_);
        }
    }
    CurlSender(const CurlSender&) = delete;
    CurlSender& operator=(const CurlSender&) = delete;

    void setCancelled(bool cancelled) override { cancelled_ = cancelled; }

    Result<HttpResponse> send(const HttpRequest& request) override {
        if (!curl_) {
            return makeError(ErrorCode::Internal, "libcurl could not be initialised");
        }
        if (cancelled_) {
            return cancelledError(request.url);
        }
        if (request.url.rfind("https://", 0) != 0) {
            return makeError(ErrorCode::InvalidInput,
                             "refusing to send to " + request.url + ": only https:// is allowed",
                             "url");
        }
        // Reset per request but keep the handle: that keeps the connection cache,
        // so consecutive batches reuse one TLS connection.
        curl_easy_reset(curl_);
        HttpResponse response;
        char errorBuffer[CURL_ERROR_SIZE] = {0};
        curl_easy_setopt(curl_, CURLOPT_URL, request.url.c_str());
        curl_easy_setopt(curl_, CURLOPT_PROTOCOLS_STR, "https");
        curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, errorBuffer);
        curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYHOST, 2L);
        curl_easy_setopt(curl_, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
        curl_easy_setopt(curl_, CURLOPT_CAINFO, options_.caFile.c_str());
        curl_easy_setopt(curl_, CURLOPT_CAPATH, nullptr);  // only the provisioned CA
        if (!options_.pinnedPublicKey.empty()) {
            curl_easy_setopt(curl_, CURLOPT_PINNEDPUBLICKEY, options_.pinnedPublicKey.c_str());
        }
        curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT, long(options_.connectTimeout.count()));
        curl_easy_setopt(curl_, CURLOPT_TIMEOUT, long(options_.requestTimeout.count()));
        curl_easy_setopt(curl_, CURLOPT_LOW_SPEED_LIMIT, kLowSpeedBytesPerSecond);
        curl_easy_setopt(curl_, CURLOPT_LOW_SPEED_TIME, kLowSpeedWindowSeconds);
        curl_easy_setopt(curl_, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, appendBody);
        curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &response.body);
        curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, collectHeader);
        curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &response.headers);
        curl_easy_setopt(curl_, CURLOPT_USERAGENT, "carekiosk/" CAREKIOSK_VERSION);
        // Polled by libcurl during every phase (resolve, connect, handshake,
        // transfer): a non-zero return aborts the transfer (setCancelled).
        curl_easy_setopt(curl_, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(curl_, CURLOPT_XFERINFOFUNCTION, abortIfCancelled);
        curl_easy_setopt(curl_, CURLOPT_XFERINFODATA, &cancelled_);

        curl_slist* headers = nullptr;
        const std::string auth = "Authorization: Bearer " + request.bearerToken;
        if (!request.bearerToken.empty()) {
            headers = curl_slist_append(headers, auth.c_str());
        }
        const std::string ifNoneMatch = "If-None-Match: " + request.ifNoneMatch;
        if (!request.ifNoneMatch.empty()) {
            headers = curl_slist_append(headers, ifNoneMatch.c_str());
        }
        const std::string type = "Content-Type: " + request.contentType;
        const std::string encoding = "Content-Encoding: " + request.contentEncoding;
        if (request.method == "POST") {
            headers = curl_slist_append(headers, type.c_str());
            if (!request.contentEncoding.empty()) {
                headers = curl_slist_append(headers, encoding.c_str());
            }
            // No "Expect: 100-continue" (libcurl 7 adds it to bodies past 1 KiB):
            // a batch is a few KiB, and asking the server first costs a round
            // trip per batch, or curl's one-second wait if no "100" comes.
            headers = curl_slist_append(headers, "Expect:");
            curl_easy_setopt(curl_, CURLOPT_POST, 1L);
            curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, request.body.data());
            curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE,
                             static_cast<curl_off_t>(request.body.size()));
        }
        curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);

        const CURLcode code = curl_easy_perform(curl_);
        curl_slist_free_all(headers);
        if (code == CURLE_ABORTED_BY_CALLBACK) {
            return cancelledError(request.url);
        }
        if (code != CURLE_OK) {
            long verifyResult = X509_V_OK;
            curl_easy_getinfo(curl_, CURLINFO_SSL_VERIFYRESULT, &verifyResult);
            return transportError(code, errorBuffer, request.url, verifyResult);
        }
        curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &response.status);
        return response;
    }

  private:
    static int abortIfCancelled(void* data, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
        return static_cast<std::atomic<bool>*>(data)->load() ? 1 : 0;
    }

    static core::Error cancelledError(const std::string& url) {
        return makeError(ErrorCode::Network,
                         "cancelled: the request to " + url +
                             " was stopped because its sender is shutting down; nothing was "
                             "lost, it is sent again on the next try");
    }

    TlsOptions options_;
    CURL* curl_ = nullptr;
    std::atomic<bool> cancelled_{false};
};

}  // namespace

TlsOptions tlsOptionsFor(const core::KioskConfig& config) {
    TlsOptions tls;
    tls.caFile = config.caFile;
    tls.pinnedPublicKey = config.pinnedPublicKey;
    return tls;
}

std::unique_ptr<HttpSender> makeCurlSender(const TlsOptions& options) {
    return std::make_unique<CurlSender>(options);
}

}  // namespace carekiosk::upload
