// Package auth is the relay's side of custom authentication: when a game client
// authenticates, the relay forwards the client's auth parameters and data to an HTTP
// webhook run by the game's developer, and the webhook's JSON answer admits the client
// (with a user id, a nickname, data for the client and a cookie kept on the relay),
// asks it for another step, or refuses it. The model is Photon Realtime's custom
// authentication, and the webhook protocol is compatible with it: the same query
// parameters and body, the same ResultCode values and response fields.
//
// The webhook is called by [Webhook.Authenticate]:
//
//   - The query string is the union of, from weakest to strongest: the query of
//     [Config.URL], the client's parameters ([Request.Params]), [Config.Params], and the
//     relay's own parameters authType, appId, appVersion and (when the client proposed
//     one) userId. The relay's values are also sent as the headers Boson-Auth-Type,
//     Boson-App-Id and Boson-App-Version.
//   - A client with no auth data ([Request.Data] nil) is checked with a GET; otherwise
//     the data is the body of a POST, with Content-Type application/json if it is valid
//     JSON and application/octet-stream if not.
//   - Platform types ([Steam], [Xbox], [Epic], …) go to the same webhook, tagged with
//     their type; the webhook, not the relay, talks to the platform.
//
// The webhook answers with a JSON object whose integer ResultCode is [CodeContinue],
// [CodeOK], [CodeFailed] or [CodeInvalidParams]. A failure is a [*FailedError]. A
// webhook that cannot be reached, times out, redirects, answers with a non-2xx status
// or with anything but a well-formed response is down: that is an [*UnavailableError],
// unless [Config.AllowWhenDown] admits the client anonymously instead.
package auth
