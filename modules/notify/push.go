package notify

import (
	"context"
	"fmt"
)

// push sends a composed push notice to its device's platform.
func (s *Service) push(ctx context.Context, m message) (ref string, segments int, err error) {
	switch {
	case m.Device.Platform == FCMPlatform && s.o.FCM != nil:
		ref, err = s.o.FCM.Send(ctx, m.Device.Token, PushMessage{Title: m.Title, Body: m.Text, Link: m.Link})
		return ref, 0, err
	case m.Device.Platform == WebPushPlatform && s.o.WebPush != nil:
		ref, err = s.o.WebPush.Send(ctx, m.VAPID, m.Subject, m.Device.Token, m.Device.Keys,
			PushMessage{Title: m.Title, Body: m.Text, Link: m.Link}, m.Urgent)
		return ref, 0, err
	}
	return "", 0, fmt.Errorf("%w: push to %q is not configured", ErrPermanent, m.Device.Platform)
}
