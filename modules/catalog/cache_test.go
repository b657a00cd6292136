package catalog_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"hromada/modules/catalog"
	"hromada/modules/content"
	"hromada/tenant"
	"hromada/tenant/tenanttest"
)

// The public pages' cache: a hit gives what the miss read, a city never
// gets another's entries, and a change made in the database — a service
// renamed, news published, a service retired — is what the next read shows
// once the trigger's notice (migration 0034) has reached the listener, as
// it reaches every process; news scheduled for later appears within the
// cache's TTL of its time.
func TestCacheFollowsChanges(t *testing.T) {
	t.Parallel()
	db := tenanttest.New(t)
	kyiv, lviv := tenanttest.NewTenant(t, db), tenanttest.NewTenant(t, db)
	load(t, db, kyiv, smallRegister())
	other := smallRegister()
	other.Services[0].Content.Name = txt("Реєстрація місця проживання у Львові")
	load(t, db, lviv, other)

	// An hour's TTL: whatever shows a change before then came by the
	// notice. The short one is the server's kind, for scheduled news.
	cache, short := catalog.NewCache(catalog.CacheOptions{TTL: time.Hour}), catalog.NewCache(catalog.CacheOptions{TTL: 2 * time.Second})
	ctx, stop := context.WithCancel(t.Context())
	defer stop()
	go cache.Listen(ctx, db.App.Pool(), slog.New(slog.DiscardHandler))
	go short.Listen(ctx, db.App.Pool(), slog.New(slog.DiscardHandler))
	news := content.New(db.App, content.Options{})
	svc := catalog.New(db.App, &catalog.Options{Cache: cache, Content: news})
	svcShort := catalog.New(db.App, &catalog.Options{Cache: short, Content: news})
	inKyiv, inLviv := tenant.With(t.Context(), kyiv), tenant.With(t.Context(), lviv)

	name := func(ctx context.Context) string {
		p, err := svc.Page(ctx, "T-1")
		require.NoError(t, err)
		return p.Content.Name.UK
	}
	// The listener is up once a change reaches it: until then, wait for a
	// first one to be seen.
	exec := func(ctx context.Context, sql string, args ...any) {
		require.NoError(t, db.App.Tx(ctx, func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, sql, args...)
			return err
		}))
	}
	rename := func(_ context.Context, to string) {
		reg := smallRegister()
		reg.Services[0].Content.Name = txt(to)
		load(t, db, kyiv, reg)
	}
	for i := 0; ; i++ {
		require.Equal(t, "Реєстрація місця проживання у Львові", name(inLviv), "a city gets its own card, never another's")
		want := fmt.Sprintf("Реєстрація місця проживання %d", i)
		rename(inKyiv, want)
		if ok := waitFor(func() bool { return name(inKyiv) == want }, 5*time.Second); ok {
			break
		}
		require.Less(t, i, 24, "no change ever reached the cache")
	}

	// A hit is the value the miss read, and only the city's.
	hits, _ := cache.Stats()
	first := name(inKyiv)
	p1, err := svc.Page(inKyiv, "T-1")
	require.NoError(t, err)
	p2, err := svc.Page(inKyiv, "T-1")
	require.NoError(t, err)
	require.Same(t, p1, p2)
	after, _ := cache.Stats()
	require.GreaterOrEqual(t, after-hits, int64(2))
	require.Equal(t, "Реєстрація місця проживання у Львові", name(inLviv))
	require.NotEqual(t, name(inLviv), first)

	// A renamed service: its card, the home page's list and a search show
	// the new name once the notice arrives.
	home, err := svc.Home(inKyiv)
	require.NoError(t, err)
	require.NotEmpty(t, home.Services)
	found, err := svc.Search(inKyiv, catalog.Query{Text: "Хмельницький", Limit: 20})
	require.NoError(t, err)
	require.Empty(t, found.Hits)
	rename(inKyiv, "Реєстрація у Хмельницькому районі")
	require.Eventually(t, func() bool {
		found, err := svc.Search(inKyiv, catalog.Query{Text: "Хмельницький", Limit: 20})
		return err == nil && len(found.Hits) == 1 && name(inKyiv) == "Реєстрація у Хмельницькому районі"
	}, 2*time.Minute, 20*time.Millisecond)
	require.Equal(t, "Реєстрація місця проживання у Львові", name(inLviv), "Lviv's card is not Kyiv's change")

	// News published now shows on the home page; news scheduled a little
	// later shows once its time has come (the TTL bounds how late).
	titles := func(svc *catalog.Service) []string {
		h, err := svc.Home(inKyiv)
		require.NoError(t, err)
		var titles []string
		for _, n := range h.News {
			titles = append(titles, n.Title.UK)
		}
		return titles
	}
	require.Empty(t, titles(svc))
	require.Empty(t, titles(svcShort))
	exec(inKyiv, `INSERT INTO content_items (tenant_id, id, kind, slug, title_uk, body_uk, status, publish_at)
		VALUES (app_tenant_id(), gen_random_uuid(), 'news', 'now', 'Новина зараз', 'Текст', 'published', now())`)
	require.Eventually(t, func() bool { return len(titles(svc)) == 1 }, 2*time.Minute, 20*time.Millisecond)
	exec(inKyiv, `INSERT INTO content_items (tenant_id, id, kind, slug, title_uk, body_uk, status, publish_at)
		VALUES (app_tenant_id(), gen_random_uuid(), 'news', 'later', 'Новина пізніше', 'Текст', 'published', now() + interval '3 seconds')`)
	require.Eventually(t, func() bool { return len(titles(svcShort)) == 2 }, 2*time.Minute, 50*time.Millisecond)
	require.Equal(t, "Новина пізніше", titles(svcShort)[0])

	// A retired service is gone from its card's address.
	exec(inKyiv, `DELETE FROM services WHERE code = 'T-3'`)
	require.Eventually(t, func() bool {
		_, err := svc.Page(inKyiv, "T-3")
		return err != nil
	}, 2*time.Minute, 20*time.Millisecond)
}

// A city's notice drops its entries (and only its): the next read goes to
// the database. The cache stays within its bound however many searches are
// asked.
func TestCacheForgetsAndIsBounded(t *testing.T) {
	t.Parallel()
	db := tenanttest.New(t)
	kyiv := tenanttest.NewTenant(t, db)
	load(t, db, kyiv, smallRegister())
	cache := catalog.NewCache(catalog.CacheOptions{Max: 10, TTL: time.Hour})
	svc := catalog.New(db.App, &catalog.Options{Cache: cache})
	ctx := tenant.With(t.Context(), kyiv)

	_, err := svc.Page(ctx, "T-1")
	require.NoError(t, err)
	_, err = svc.Page(ctx, "T-1")
	require.NoError(t, err)
	hits, misses := cache.Stats()
	require.Equal(t, [2]int64{1, 1}, [2]int64{hits, misses})

	// The change's notice, as Listen delivers it: the city's entries go.
	cache.Forget(kyiv.ID)
	require.Zero(t, cache.Len())
	_, err = svc.Page(ctx, "T-1")
	require.NoError(t, err)
	_, misses = cache.Stats()
	require.Equal(t, int64(2), misses)

	for i := range 50 {
		_, err := svc.Search(ctx, catalog.Query{Text: fmt.Sprintf("довідка %d", i), Limit: 20})
		require.NoError(t, err)
	}
	require.Equal(t, 10, cache.Len())
	// Another city's notice leaves this one's entries.
	cache.Forget(tenanttest.NewTenant(t, db).ID)
	require.Equal(t, 10, cache.Len())
}

// waitFor polls cond until it holds or d has passed.
// The process that makes a change reads it back at once: the writer's
// transaction says what it changed (tenant.Changed), and the cache, a
// subscriber of the database (as the server wires it), forgets the city
// as the transaction commits — with no listener and an hour's TTL, only
// that can show the new name. A rolled back change drops nothing.
func TestCacheForgetsWhenTheWriterCommits(t *testing.T) {
	t.Parallel()
	db := tenanttest.New(t)
	kyiv, lviv := tenanttest.NewTenant(t, db), tenanttest.NewTenant(t, db)
	load(t, db, kyiv, smallRegister())
	load(t, db, lviv, smallRegister())
	cache := catalog.NewCache(catalog.CacheOptions{TTL: time.Hour})
	db.App.OnChange(tenant.PublicChannel, cache.Forget)
	svc := catalog.New(db.App, &catalog.Options{Cache: cache})
	inKyiv, inLviv := tenant.With(t.Context(), kyiv), tenant.With(t.Context(), lviv)
	name := func(ctx context.Context) string {
		p, err := svc.Page(ctx, "T-1")
		require.NoError(t, err)
		return p.Content.Name.UK
	}
	before, lvivName := name(inKyiv), name(inLviv)
	_, misses := cache.Stats()

	reg := smallRegister()
	reg.Services[0].Content.Name = txt("Нова назва послуги")
	load(t, db, kyiv, reg)
	require.Equal(t, "Нова назва послуги", name(inKyiv), "the writer's next read")
	require.NotEqual(t, before, name(inKyiv))
	// Lviv's entry stayed: the change was Kyiv's.
	_, missesAfter := cache.Stats()
	require.Equal(t, lvivName, name(inLviv))
	_, missesLviv := cache.Stats()
	require.Equal(t, missesAfter, missesLviv, "Lviv's card is still a hit")
	require.Equal(t, misses+1, missesAfter, "only Kyiv's card was read again")

	// A change that rolls back leaves the entry (and the data) as they were.
	reg.Services[0].Content.Name = txt("Назва, якої не буде")
	require.Error(t, db.App.Tx(inKyiv, func(ctx context.Context, tx pgx.Tx) error {
		if err := catalog.LoadRegister(ctx, tx, reg); err != nil {
			return err
		}
		return fmt.Errorf("rolled back")
	}))
	require.Equal(t, "Нова назва послуги", name(inKyiv))
	_, missesEnd := cache.Stats()
	require.Equal(t, missesLviv, missesEnd, "nothing was forgotten")
}

func waitFor(cond func() bool, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return cond()
}
