package directmode

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"
	"sync/atomic"
	"time"

	"github.com/pion/datachannel"
	"github.com/pion/webrtc/v4"
)

// Data channel labels.
const (
	labelReliable   = "reliable"
	labelUnreliable = "unreliable"
)

// maxRestartDelay caps the back-off between ICE restarts of a link that keeps failing.
const maxRestartDelay = 30 * time.Second

// signalTimeout bounds one signalling request to the relay.
const signalTimeout = 10 * time.Second

// A link is the WebRTC connection to one player. The mesh's loop owns its fields,
// except those marked otherwise.
type link struct {
	m       *Mesh
	peer    int
	session int64
	offerer bool
	pc      *webrtc.PeerConnection
	sigq    chan map[string]any // to signalLoop; closed by close
	closed  bool

	created          time.Time
	started          time.Time // creation or latest ICE restart
	established      bool
	reported         bool // a FailedEvent was sent since the link was last up
	iceFailed        bool
	restartAt        time.Time // when the offerer may restart ICE next
	restartDelay     time.Duration
	restarts         int                       // ICE restarts made (offerer) or answered (answerer)
	localRelay       bool                      // the selected pair goes through this side's TURN allocation
	turnUntil        time.Time                 // when the TURN credentials of the latest gathering expire
	pending          []webrtc.ICECandidateInit // candidates that arrived before the remote description
	remoteCandidates int

	// Shared with SendDirect and the read loops.
	up    atomic.Bool
	chans [2]atomic.Pointer[channel] // reliable, unreliable
}

// channel is an open, detached data channel.
type channel struct {
	dc *webrtc.DataChannel
	rw datachannel.ReadWriteCloser
}

func newSession() int64 {
	var b [8]byte
	for {
		_, _ = rand.Read(b[:])
		if s := int64(binary.LittleEndian.Uint64(b[:])); s != 0 {
			return s
		}
	}
}

// openLink creates the link to peer as its offerer and sends the offer, unless
// links with peer are being made too fast (the next sync tries again).
func (m *Mesh) openLink(peer int) {
	if !m.newSessionAllowed(peer) {
		return
	}
	l, err := m.newLink(peer, newSession(), true)
	if err != nil {
		m.failLink(peer, err)
		return
	}
	rel, err := l.pc.CreateDataChannel(labelReliable, nil)
	if err == nil {
		l.watchChannel(rel)
		var unrel *webrtc.DataChannel
		ordered, rexmit := false, m.cfg.UnreliableRetransmits
		unrel, err = l.pc.CreateDataChannel(labelUnreliable, &webrtc.DataChannelInit{Ordered: &ordered, MaxRetransmits: &rexmit})
		if err == nil {
			l.watchChannel(unrel)
			err = l.offer(false)
		}
	}
	if err != nil {
		m.closeLink(l, false, false)
		m.failLink(peer, err)
	}
}

// failLink reports a link that could not even be set up (a local pion error).
func (m *Mesh) failLink(peer int, err error) {
	m.log.Warn("directmode: cannot set up link", "actor", peer, "err", err)
	m.events.push(&FailedEvent{Actor: peer, Err: err})
}

func (m *Mesh) newLink(peer int, session int64, offerer bool) (*link, error) {
	cfg := webrtc.Configuration{ICEServers: m.iceServers()}
	if m.cfg.RelayOnly {
		cfg.ICETransportPolicy = webrtc.ICETransportPolicyRelay
	}
	pc, err := m.api.NewPeerConnection(cfg)
	if err != nil {
		return nil, err
	}
	l := &link{m: m, peer: peer, session: session, offerer: offerer, pc: pc,
		sigq: make(chan map[string]any, 256), restartDelay: m.cfg.FailedTimeout}
	l.created = time.Now()
	l.started, l.turnUntil = l.created, m.turnUntil
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c != nil {
			init := c.ToJSON()
			m.post(func() { l.sendCandidate(init) })
		}
	})
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) { m.post(func() { l.stateChanged(s) }) })
	pc.OnICEConnectionStateChange(func(s webrtc.ICEConnectionState) { m.post(func() { l.iceStateChanged(s) }) })
	pc.OnDataChannel(l.watchChannel)
	m.setLink(peer, l)
	m.wg.Add(1)
	go l.signalLoop()
	return l, nil
}

// watchChannel detaches dc once it opens and reads it: the opener must read its
// channels too, or pion never applies the unreliable channel's settings.
func (l *link) watchChannel(dc *webrtc.DataChannel) {
	idx := 0
	switch dc.Label() {
	case labelReliable:
	case labelUnreliable:
		idx = 1
	default:
		l.m.log.Debug("directmode: closing an unknown data channel", "actor", l.peer, "label", dc.Label())
		_ = dc.Close()
		return
	}
	dc.OnOpen(func() {
		rw, err := dc.Detach()
		if err != nil {
			l.m.log.Warn("directmode: detach data channel", "actor", l.peer, "err", err)
			return
		}
		// The loop starts the reader, so that no goroutine starts after Close.
		l.m.post(func() {
			l.chans[idx].Store(&channel{dc: dc, rw: rw})
			l.m.wg.Add(1)
			go l.readLoop(rw, idx == 0)
			l.checkUp()
		})
	})
}

func (l *link) readLoop(rw datachannel.ReadWriteCloser, reliable bool) {
	defer l.m.wg.Done()
	buf := make([]byte, l.m.cfg.MaxMessageSize)
	for {
		n, err := rw.Read(buf)
		if errors.Is(err, io.ErrShortBuffer) {
			continue // over MaxMessageSize: dropped (pion discards it)
		}
		if err != nil {
			return
		}
		data := make([]byte, n)
		copy(data, buf[:n])
		l.m.events.push(&MessageEvent{From: l.peer, Data: data, Reliable: reliable})
	}
}

// signalLoop sends the link's signalling messages in order.
func (l *link) signalLoop() {
	defer l.m.wg.Done()
	for msg := range l.sigq {
		ctx, cancel := context.WithTimeout(l.m.ctx, signalTimeout)
		err := l.m.c.Signal(ctx, l.peer, msg)
		cancel()
		l.m.pending.Add(-1)
		if err != nil && l.m.ctx.Err() == nil {
			l.m.log.Debug("directmode: signal", "actor", l.peer, "kind", msg["t"], "err", err)
		}
	}
}

func (l *link) signal(s *Signal) {
	if l.closed {
		return
	}
	s.Session = l.session
	select {
	case l.sigq <- s.Map():
		l.m.pending.Add(1)
	default:
		l.m.log.Warn("directmode: signalling queue full", "actor", l.peer, "kind", s.Kind)
	}
}

// offer makes and sends an offer; restart asks for new ICE credentials.
func (l *link) offer(restart bool) error {
	sdp, err := l.pc.CreateOffer(&webrtc.OfferOptions{ICERestart: restart})
	if err != nil {
		return err
	}
	if err := l.pc.SetLocalDescription(sdp); err != nil {
		return err
	}
	l.signal(&Signal{Kind: SignalOffer, SDP: sdp.SDP, Restart: restart})
	return nil
}

// refreshServers gives the connection fresh TURN credentials for its next gathering
// (an ICE restart): a connection keeps the ones it was made with, which expire.
func (l *link) refreshServers() {
	cfg := webrtc.Configuration{ICEServers: l.m.iceServers()}
	if l.m.cfg.RelayOnly {
		cfg.ICETransportPolicy = webrtc.ICETransportPolicyRelay
	}
	if err := l.pc.SetConfiguration(cfg); err != nil {
		l.m.log.Debug("directmode: new ICE servers", "actor", l.peer, "err", err)
		return
	}
	l.turnUntil = l.m.turnUntil
}

// answer applies an offer and sends the answer.
func (l *link) answer(sdp string) error {
	if err := l.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: sdp}); err != nil {
		return err
	}
	l.addPending()
	ans, err := l.pc.CreateAnswer(nil)
	if err != nil {
		return err
	}
	if err := l.pc.SetLocalDescription(ans); err != nil {
		return err
	}
	l.signal(&Signal{Kind: SignalAnswer, SDP: ans.SDP})
	return nil
}

func (l *link) sendCandidate(c webrtc.ICECandidateInit) {
	s := &Signal{Kind: SignalCandidate, Candidate: c.Candidate}
	if c.SDPMid != nil {
		s.MID = *c.SDPMid
	}
	if c.SDPMLineIndex != nil {
		s.MLineIndex = int(*c.SDPMLineIndex)
	}
	if c.UsernameFragment != nil {
		s.UsernameFragment = *c.UsernameFragment
	}
	l.signal(s)
}

func (l *link) addCandidate(s *Signal) {
	mid, idx, ufrag := s.MID, uint16(s.MLineIndex), s.UsernameFragment
	c := webrtc.ICECandidateInit{Candidate: s.Candidate, SDPMid: &mid, SDPMLineIndex: &idx}
	if ufrag != "" {
		c.UsernameFragment = &ufrag
	}
	if l.pc.RemoteDescription() == nil {
		l.pending = append(l.pending, c) // at most maxRemoteCandidates
		return
	}
	if err := l.pc.AddICECandidate(c); err != nil {
		l.m.log.Debug("directmode: bad candidate", "actor", l.peer, "err", err)
	}
}

func (l *link) addPending() {
	for _, c := range l.pending {
		if err := l.pc.AddICECandidate(c); err != nil {
			l.m.log.Debug("directmode: bad candidate", "actor", l.peer, "err", err)
		}
	}
	l.pending = nil
}

func (l *link) stateChanged(s webrtc.PeerConnectionState) {
	if l.closed {
		return
	}
	switch s {
	case webrtc.PeerConnectionStateConnected:
		l.checkUp()
	case webrtc.PeerConnectionStateClosed:
		// The other side closed it (a DTLS close_notify): start over. The offerer
		// opens a new link at the next sync, the answerer waits for its offer.
		l.died(ErrLinkLost)
	case webrtc.PeerConnectionStateFailed:
		if l.pc.ICEConnectionState() != webrtc.ICEConnectionStateFailed {
			l.died(ErrLinkLost) // DTLS or SCTP failed: an ICE restart cannot help
		}
	}
}

// died replaces a link that cannot recover: it is reported (unless it was already)
// and closed, and the other side is told.
func (l *link) died(err error) {
	l.lost()
	if !l.reported {
		l.reported = true
		l.m.events.push(&FailedEvent{Actor: l.peer, Err: err})
	}
	l.m.closeLink(l, false, true)
}

func (l *link) iceStateChanged(s webrtc.ICEConnectionState) {
	if l.closed {
		return
	}
	switch s {
	case webrtc.ICEConnectionStateConnected, webrtc.ICEConnectionStateCompleted:
		l.iceFailed = false
		l.checkUp()
	case webrtc.ICEConnectionStateDisconnected:
		l.lost()
	case webrtc.ICEConnectionStateFailed:
		l.lost()
		l.iceFailed = true
		if !l.offerer {
			l.signal(&Signal{Kind: SignalRestart})
		}
	}
}

// checkUp reports the link established once ICE, DTLS and both channels are up.
func (l *link) checkUp() {
	if l.closed || l.established || l.chans[0].Load() == nil || l.chans[1].Load() == nil ||
		l.pc.ConnectionState() != webrtc.PeerConnectionStateConnected {
		return
	}
	ice := l.pc.ICEConnectionState()
	if ice != webrtc.ICEConnectionStateConnected && ice != webrtc.ICEConnectionStateCompleted {
		return
	}
	l.established, l.reported, l.restartDelay = true, false, l.m.cfg.FailedTimeout
	l.up.Store(true)
	e := &EstablishedEvent{Actor: l.peer, SetupTime: time.Since(l.started), Restarts: l.restarts}
	if pair, err := l.pc.SCTP().Transport().ICETransport().GetSelectedCandidatePair(); err == nil && pair != nil {
		e.Local, e.Remote = pair.Local.Typ.String(), pair.Remote.Typ.String()
		e.Relayed = pair.Local.Typ == webrtc.ICECandidateTypeRelay || pair.Remote.Typ == webrtc.ICECandidateTypeRelay
		l.localRelay = pair.Local.Typ == webrtc.ICECandidateTypeRelay
	}
	l.m.events.push(e)
}

// lost marks a link that was up as down and reports it.
func (l *link) lost() {
	if !l.established {
		return
	}
	l.established = false
	l.up.Store(false)
	if !l.reported {
		l.reported = true
		l.m.events.push(&FailedEvent{Actor: l.peer, Err: ErrLinkLost})
	}
}

func (l *link) checkTimers(now time.Time) {
	if l.closed {
		return
	}
	if !l.established && !l.reported && now.Sub(l.started) > l.m.cfg.ConnectTimeout {
		l.reported = true
		l.m.events.push(&FailedEvent{Actor: l.peer, Err: ErrConnectTimeout})
	}
	if l.iceFailed && l.offerer && now.After(l.restartAt) {
		l.restart(now)
	}
	// A link through this side's TURN allocation needs new credentials before its
	// expire: the allocation cannot be refreshed with expired ones.
	if l.established && l.localRelay && !l.turnUntil.IsZero() && l.turnUntil.Sub(now) < l.m.turnMargin() {
		l.turnUntil = time.Time{} // once per credentials
		if l.offerer {
			l.restartAt = now
			l.restart(now)
		} else {
			l.signal(&Signal{Kind: SignalRestart})
		}
	}
}

// restart restarts ICE (offerer only), backing off while restarts keep failing.
func (l *link) restart(now time.Time) {
	if !l.offerer || now.Before(l.restartAt) {
		return
	}
	l.iceFailed = false
	l.restarts, l.remoteCandidates = l.restarts+1, 0
	l.refreshServers()
	l.started, l.restartAt = now, now.Add(l.restartDelay)
	l.restartDelay = min(2*l.restartDelay, maxRestartDelay)
	l.m.log.Debug("directmode: ICE restart", "actor", l.peer)
	if err := l.offer(true); err != nil {
		l.m.log.Warn("directmode: ICE restart", "actor", l.peer, "err", err)
		l.iceFailed = true
	}
}

// close closes the connection; the peer gets a bye first if sayBye is set.
func (l *link) close(sayBye bool) {
	if l.closed {
		return
	}
	if sayBye {
		l.signal(&Signal{Kind: SignalBye})
	}
	l.closed = true
	l.up.Store(false)
	close(l.sigq)
	l.m.wg.Add(1)
	go func() {
		defer l.m.wg.Done()
		if err := l.pc.Close(); err != nil && !errors.Is(err, webrtc.ErrConnectionClosed) {
			l.m.log.Debug("directmode: close peer connection", "actor", l.peer, "err", err)
		}
	}()
}

func sdpAnswer(sdp string) webrtc.SessionDescription {
	return webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdp}
}
