package turnserver

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/pion/logging"
)

// pionLoggers is a logging.LoggerFactory that forwards pion's warnings and errors to slog and
// drops pion's info, debug and trace messages.
type pionLoggers struct {
	l *slog.Logger
}

// NewLogger implements logging.LoggerFactory.
func (f pionLoggers) NewLogger(scope string) logging.LeveledLogger {
	return &pionLogger{l: f.l.With("scope", "pion/"+scope), errLevel: slog.LevelError}
}

// pionLogger is a logging.LeveledLogger writing to slog. Pion errors are logged at errLevel,
// so that errors triggered by clients (such as bad credentials) can be demoted.
type pionLogger struct {
	l        *slog.Logger
	errLevel slog.Level
}

var _ logging.LeveledLogger = (*pionLogger)(nil)

func (p *pionLogger) log(level slog.Level, msg string) {
	p.l.Log(context.Background(), level, msg)
}

func (p *pionLogger) logf(level slog.Level, format string, args ...any) {
	if p.l.Enabled(context.Background(), level) {
		p.log(level, fmt.Sprintf(format, args...))
	}
}

func (p *pionLogger) Trace(string)                      {}
func (p *pionLogger) Tracef(string, ...any)             {}
func (p *pionLogger) Debug(string)                      {}
func (p *pionLogger) Debugf(string, ...any)             {}
func (p *pionLogger) Info(string)                       {}
func (p *pionLogger) Infof(string, ...any)              {}
func (p *pionLogger) Warn(msg string)                   { p.log(slog.LevelWarn, msg) }
func (p *pionLogger) Warnf(format string, args ...any)  { p.logf(slog.LevelWarn, format, args...) }
func (p *pionLogger) Error(msg string)                  { p.log(p.errLevel, msg) }
func (p *pionLogger) Errorf(format string, args ...any) { p.logf(p.errLevel, format, args...) }
