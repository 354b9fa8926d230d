// Package push sends Web Push notifications (RFC 8030) to browsers on behalf of
// the relay, encrypted per RFC 8291 (aes128gcm, RFC 8188) and authenticated with
// VAPID (RFC 8292).
//
// A [Service] keeps the browsers' push subscriptions, keyed by (app, user id),
// in memory and optionally in a JSON file, and owns the VAPID key pair whose
// public half ([Service.PublicKey]) browsers pass to pushManager.subscribe as
// applicationServerKey. [Service.Send] pushes synchronously;
// [Service.Enqueue] hands the sends to a fixed pool of workers and never blocks.
//
// The relay must not become a tool for reaching internal hosts (SSRF): unless
// [Config.AllowPrivateEndpoints] is set, endpoints must be https URLs whose host
// is public, and the check is repeated on every connection attempt against the
// resolved address, since DNS answers may change after a subscription is stored.
//
// Concurrency: a Service has a single mutex (mu) guarding the subscription maps
// and the store's dirty flag; it is never held while sending, writing files or
// waiting, and no other lock is taken under it.
package push
