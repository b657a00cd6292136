package provsys

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"hromada/modules/access"
	"hromada/modules/notify"
)

// alert tells the city's administrators and dispatchers, at once, that a
// delivery failed for good, in tx (the one that records the failure): the
// application waits for someone to act (fix the route, or hand it to the
// officials).
func (s *Service) alert(ctx context.Context, tx pgx.Tx, delivery uuid.UUID, why string) error {
	if s.o.Notify == nil {
		return nil
	}
	var messageID, provider string
	if err := tx.QueryRow(ctx, `SELECT d.message_id, p.name_uk FROM provsys_deliveries d
		JOIN provsys_routes r ON r.tenant_id = d.tenant_id AND r.id = d.route_id
		JOIN providers p ON p.tenant_id = r.tenant_id AND p.id = r.provider_id
		WHERE d.id = $1`, delivery).Scan(&messageID, &provider); err != nil {
		return err
	}
	seen := map[uuid.UUID]bool{}
	for _, role := range []string{access.RoleAdministrator, access.RoleDispatcher} {
		ids, err := access.HoldersTx(ctx, tx, role, s.o.Now())
		if err != nil {
			return err
		}
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			if _, err := s.o.Notify.Post(ctx, tx, notify.Notice{Account: id, Kind: notify.KindSecurity, Urgency: notify.Urgent,
				Key: "notify.provsys_failed", Args: map[string]any{"Message": messageID, "Provider": provider, "Error": truncate(why, 200)}}); err != nil {
				return err
			}
		}
	}
	return nil
}
