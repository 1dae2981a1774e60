#pragma once
// The two requests an upload try makes besides batches: the heartbeat (kiosk
// health for the fleet view) and the site-config fetch (ETag-cached).
// Synchronous; the UploadWorker calls them on its thread.

#include <optional>

#include "carekiosk/core/result.hpp"
#include "carekiosk/core/wire.hpp"
#include "carekiosk/storage/outbox.hpp"
#include "carekiosk/upload/http_sender.hpp"
#include "carekiosk/upload/uploader.hpp"

namespace carekiosk::upload {

// POSTs the heartbeat. Errors: transport errors as HttpSender::send, or
// Rejected with the collector's message for any answer other than 200.
core::Status sendHeartbeat(HttpSender& sender, const UploadTarget& target,
                           const core::Heartbeat& heartbeat);

// GETs the site config, sending If-None-Match for `knownVersion`. nullopt when
// the collector answers 304 (nothing newer). The returned content has only been
// checked to be a JSON object; the kiosk validates it before use.
core::Result<std::optional<storage::StoredSiteConfig>> fetchSiteConfig(HttpSender& sender,
                                                                       const UploadTarget& target,
                                                                       int knownVersion);

// The ETag the collector gives site config `version`.
std::string siteConfigEtag(int version);

}  // namespace carekiosk::upload
