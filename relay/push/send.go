package push

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"

	webpush "github.com/SherClockHolmes/webpush-go"
)

// MaxPayload is the largest JSON-encoded [Message], in bytes. A push service
// need accept no more than 4096 bytes of body (RFC 8030 §7.2); less the
// aes128gcm header (86), the padding delimiter (1) and the AEAD tag (16), that
// leaves 3993 bytes of plaintext (RFC 8291 §4).
const MaxPayload = 3993

// Message is a notification. It is sent as the JSON object
// {"title":…,"body":…,"data":…}, for the service worker's push event handler.
type Message struct {
	Title string
	Body  string
	Data  any // any value encoding/json accepts; nil is sent as null
}

// Result counts the outcome of the sends of one [Service.Send]; every
// subscription is counted once.
type Result struct {
	Sent    int // accepted by the push service (2xx)
	Failed  int // other answers, network errors, cancelled sends
	Removed int // answered 404 or 410: the subscription was dropped
}

func (r *Result) add(o Result) {
	r.Sent += o.Sent
	r.Failed += o.Failed
	r.Removed += o.Removed
}

// CheckMessage reports whether m can be pushed: an error matching [ErrTooLarge] if
// its JSON is longer than [MaxPayload] (escaping may make it several times longer
// than its strings), or one saying why it does not encode. [Service.Enqueue]
// drops such a message, so callers that take user input check it first.
func CheckMessage(m Message) error {
	_, err := encodeMessage(m)
	return err
}

// encodeMessage returns the payload of m, refusing more than MaxPayload bytes.
func encodeMessage(m Message) ([]byte, error) {
	b, err := json.Marshal(struct {
		Title string `json:"title"`
		Body  string `json:"body"`
		Data  any    `json:"data"`
	}{m.Title, m.Body, m.Data})
	if err != nil {
		return nil, fmt.Errorf("push: encode message: %w", err)
	}
	if len(b) > MaxPayload {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(b), MaxPayload)
	}
	// webpush-go appends its padding to the message in place (bytes.NewBuffer),
	// which would race between concurrent sends of one payload in its spare
	// capacity; with none, it copies.
	return slices.Clip(b), nil
}

// Send pushes m to every subscription of each of users of app and waits for
// the answers, with up to [Config.Workers] requests in flight. It fails before
// sending if m encodes to more than [MaxPayload] bytes ([ErrTooLarge]). If ctx
// ends or the Service is closed meanwhile, the remaining sends fail and Send
// returns the counts with ctx's error or [ErrClosed].
func (s *Service) Send(ctx context.Context, app string, users []string, m Message) (Result, error) {
	if err := s.enter(); err != nil {
		return Result{}, err
	}
	defer s.wg.Done()
	payload, err := encodeMessage(m)
	if err != nil {
		return Result{}, err
	}
	sendCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(s.ctx, cancel)()
	res := s.fanOut(sendCtx, s.targets(app, users), payload)
	if s.ctx.Err() != nil {
		return res, ErrClosed
	}
	return res, ctx.Err()
}

// fanOut delivers payload to ts with up to Config.Workers goroutines, which
// it waits for.
func (s *Service) fanOut(ctx context.Context, ts []target, payload []byte) Result {
	n := min(s.cfg.Workers, len(ts))
	results := make([]Result, n)
	next := make(chan target)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			for t := range next {
				results[i].add(s.deliver(ctx, t, payload))
			}
		})
	}
	for _, t := range ts {
		next <- t
	}
	close(next)
	wg.Wait()
	var res Result
	for _, r := range results {
		res.add(r)
	}
	return res
}

// job is a queued send.
type job struct {
	key      userKey
	endpoint string
	payload  []byte
}

// Enqueue queues m for every subscription of each of users of app and returns
// the number of sends queued; the workers send them later. It never blocks:
// sends that do not fit in the queue are dropped and counted in
// [Stats].Dropped, as are all of them if m is too large. It returns 0 after
// Close, which discards queued sends.
func (s *Service) Enqueue(app string, users []string, m Message) int {
	if s.ctx.Err() != nil {
		return 0
	}
	ts := s.targets(app, users)
	payload, err := encodeMessage(m)
	if err != nil {
		s.dropped.Add(uint64(len(ts)))
		s.log.Warn("push: message not queued", "app", app, "err", err)
		return 0
	}
	queued := 0
	for _, t := range ts {
		select {
		case s.queue <- job{t.key, t.sub.Endpoint, payload}:
			queued++
		default:
			s.dropped.Add(1)
		}
	}
	return queued
}

// workerLoop sends queued jobs until Close.
func (s *Service) workerLoop() {
	for {
		select {
		case <-s.ctx.Done():
			return
		case j := <-s.queue:
			// The user may have unsubscribed, or renewed the keys, meanwhile.
			if sub, ok := s.lookup(j.key, j.endpoint); ok {
				s.deliver(s.ctx, target{j.key, sub}, j.payload)
			}
		}
	}
}

// deliver sends one push and counts its outcome; after a 404 or 410 answer it
// removes the subscription.
func (s *Service) deliver(ctx context.Context, t target, payload []byte) Result {
	if ctx.Err() != nil { // Send cancelled: skip the encryption too
		s.failed.Add(1)
		return Result{Failed: 1}
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	resp, err := webpush.SendNotificationWithContext(ctx, payload, &webpush.Subscription{
		Endpoint: t.sub.Endpoint,
		Keys:     webpush.Keys{Auth: t.sub.Auth, P256dh: t.sub.P256dh},
	}, s.opts)
	if err != nil {
		s.failed.Add(1)
		s.log.Debug("push: send failed", "app", t.key.app, "user", t.key.user, "err", err)
		return Result{Failed: 1}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	_ = resp.Body.Close()
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		s.sent.Add(1)
		return Result{Sent: 1}
	case code == http.StatusNotFound || code == http.StatusGone:
		s.remove(t.key, t.sub.Endpoint)
		s.removed.Add(1)
		s.log.Info("push: subscription expired", "app", t.key.app, "user", t.key.user, "status", code)
		return Result{Removed: 1}
	default:
		s.failed.Add(1)
		s.log.Warn("push: push service refused", "app", t.key.app, "user", t.key.user, "status", code)
		return Result{Failed: 1}
	}
}
