package content

import (
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"hromada/apperr"
	"hromada/modules/access"
	"hromada/modules/identity"
	"hromada/tenant"
	"hromada/web"
)

// HTTP holds the pages of the city's news, pages and feedback.
type HTTP struct {
	svc *Service
	rd  *web.Renderer
}

// NewHTTP returns the pages over svc.
func NewHTTP(svc *Service, rd *web.Renderer) *HTTP { return &HTTP{svc: svc, rd: rd} }

// Routes mounts the pages, every route behind g:
//
//	GET  /news                    the news, newest first                 public
//	GET  /news/feed.atom          the news as an Atom feed               public
//	GET  /news/{slug}             a news item                            public
//	GET  /news/images/{id}        an image of the news or pages          public
//	GET  /pages/{slug}            a page                                 public
//	GET  /feedback                the form, and the person's own         own_feedback:read
//	POST /feedback                a remark or proposal                   own_feedback:create
//	GET  /admin/content           every item, for the dispatcher         content:read
//	GET  /admin/content/new       a new item's editor                    content:create
//	POST /admin/content/new       the new item saved                     content:create
//	GET  /admin/content/{id}      an item's editor                       content:update
//	POST /admin/content/{id}      the item saved, published or retired   content:update
//	GET  /admin/content/images    the images, their references, upload   content:read
//	POST /admin/content/images    an image uploaded with its alt text    content:create
//	GET  /admin/feedback          the queue and the quality figures      feedback:read
//	POST /admin/feedback/{id}     an answer                              feedback:update
func (h *HTTP) Routes(r chi.Router, g *access.Guard) {
	get, post := http.MethodGet, http.MethodPost
	g.Public(r, get, "/news", h.handleNews)
	g.Public(r, get, "/news/feed.atom", h.handleFeed)
	g.Public(r, get, "/news/{slug}", h.handleShown(KindNews))
	g.Public(r, get, "/news/images/{id}", h.handleImage)
	g.Public(r, get, "/pages/{slug}", h.handleShown(KindPage))
	g.Route(r, get, "/feedback", access.Perm{Object: access.ObjOwnFeedback, Action: access.ActRead}, h.handleFeedback)
	g.Route(r, post, "/feedback", access.Perm{Object: access.ObjOwnFeedback, Action: access.ActCreate}, h.handleSend)
	g.Route(r, get, "/admin/content", access.Perm{Object: access.ObjContent, Action: access.ActRead}, h.handleList)
	g.Route(r, get, "/admin/content/images", access.Perm{Object: access.ObjContent, Action: access.ActRead}, h.handleImages)
	g.Route(r, post, "/admin/content/images", access.Perm{Object: access.ObjContent, Action: access.ActCreate}, h.handleUploadImage)
	g.Route(r, get, "/admin/content/new", access.Perm{Object: access.ObjContent, Action: access.ActCreate}, h.handleNew)
	g.Route(r, post, "/admin/content/new", access.Perm{Object: access.ObjContent, Action: access.ActCreate}, h.handleSave)
	g.Route(r, get, "/admin/content/{id}", access.Perm{Object: access.ObjContent, Action: access.ActUpdate}, h.handleEdit)
	g.Route(r, post, "/admin/content/{id}", access.Perm{Object: access.ObjContent, Action: access.ActUpdate}, h.handleSave)
	g.Route(r, get, "/admin/feedback", access.Perm{Object: access.ObjFeedback, Action: access.ActRead}, h.handleQueue)
	g.Route(r, post, "/admin/feedback/{id}", access.Perm{Object: access.ObjFeedback, Action: access.ActUpdate}, h.handleAnswer)
}

type newsData struct {
	Items      []Item
	Page, Next int // Next is 0 when there is no next page
	Prev       int
}

func (h *HTTP) handleNews(w http.ResponseWriter, r *http.Request) {
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	items, more, err := h.svc.News(r.Context(), page)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	d := newsData{Items: items, Page: page, Prev: page - 1}
	if more {
		d.Next = page + 1
	}
	h.rd.Render(w, r, http.StatusOK, "content/news", &web.Page{TitleKey: "content.news", Data: d})
}

type shownData struct {
	Item *Item
	Body template.HTML
}

func (h *HTTP) handleShown(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		it, err := h.svc.Shown(r.Context(), kind, chi.URLParam(r, "slug"))
		if err != nil {
			h.rd.Error(w, r, err)
			return
		}
		lang := web.PrefsFrom(r).Lang
		html, err := Render(it.Body.In(lang))
		if err != nil {
			h.rd.Error(w, r, err)
			return
		}
		h.rd.Render(w, r, http.StatusOK, "content/item", &web.Page{Title: it.Title.In(lang), Data: shownData{Item: it, Body: html}})
	}
}

type listData struct {
	Items []Item
	Now   time.Time
	Saved string // the slug just saved
}

func (h *HTTP) handleList(w http.ResponseWriter, r *http.Request) {
	items, err := h.svc.All(r.Context())
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	h.rd.Render(w, r, http.StatusOK, "content/admin", &web.Page{TitleKey: "content.admin_title",
		Data: listData{Items: items, Now: h.svc.now(), Saved: r.URL.Query().Get("saved")}})
}

type editData struct {
	Form    ItemForm
	Summary []Problem
	New     bool
	Status  string            // the item's status now, "" for a new one
	Errors  map[string]string // by field
	Action  string            // the form's address
}

func (h *HTTP) handleNew(w http.ResponseWriter, r *http.Request) {
	kind := r.URL.Query().Get("kind")
	if kind != KindPage {
		kind = KindNews
	}
	id, err := uuid.NewV7()
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	h.renderEdit(w, r, http.StatusOK, editData{Form: ItemForm{ID: id.String(), Kind: kind}, New: true})
}

func (h *HTTP) handleEdit(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		h.rd.Error(w, r, ErrNotFound)
		return
	}
	it, err := h.svc.Get(r.Context(), id)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	f := ItemForm{ID: it.ID.String(), Kind: it.Kind, Slug: it.Slug, TitleUK: it.Title.UK, TitleEN: it.Title.EN,
		SummaryUK: it.Summary.UK, SummaryEN: it.Summary.EN, BodyUK: it.Body.UK, BodyEN: it.Body.EN, InFooter: it.InFooter}
	if it.PublishAt != nil {
		f.PublishAt = it.PublishAt.In(tenant.Zone).Format(LocalTime)
	}
	h.renderEdit(w, r, http.StatusOK, editData{Form: f, Status: it.Status})
}

func (h *HTTP) renderEdit(w http.ResponseWriter, r *http.Request, status int, d editData) {
	d.Action = "/admin/content/" + d.Form.ID
	if d.New {
		d.Action = "/admin/content/new"
	}
	key := "content.edit_" + d.Form.Kind
	h.rd.Render(w, r, status, "content/edit", &web.Page{TitleKey: key, Data: d})
}

func (h *HTTP) handleSave(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	pf := r.PostForm
	f := ItemForm{ID: pf.Get("id"), Kind: pf.Get("kind"), Slug: pf.Get("slug"), TitleUK: pf.Get("title_uk"), TitleEN: pf.Get("title_en"),
		SummaryUK: pf.Get("summary_uk"), SummaryEN: pf.Get("summary_en"), BodyUK: pf.Get("body_uk"), BodyEN: pf.Get("body_en"),
		InFooter: pf.Get("in_footer") == "on", PublishAt: pf.Get("publish_at"), Action: pf.Get("action")}
	isNew := chi.URLParam(r, "id") == ""
	if !isNew && chi.URLParam(r, "id") != f.ID {
		h.rd.Error(w, r, apperr.New(apperr.Invalid, "content.error.form_stale"))
		return
	}
	it, err := h.svc.Save(r.Context(), &f)
	var errs FieldErrors
	switch {
	case err == nil:
		http.Redirect(w, r, "/admin/content?saved="+it.Slug, http.StatusSeeOther)
	case errors.As(err, &errs):
		msgs := h.messages(r, errs, "content.kind")
		h.renderEdit(w, r, http.StatusBadRequest, editData{Form: f, New: isNew, Errors: msgs, Summary: summary(msgs, itemOrder)})
	default:
		h.rd.Error(w, r, err)
	}
}

// labels are the message keys of the forms' fields: an error names its
// field ("Заголовок: заповніть це поле.").
var labels = map[string]string{
	"id": "content.form", "kind": "content.feedback_kind", "action": "content.action", "slug": "content.slug",
	"title_uk": "content.title_uk", "title_en": "content.title_en", "summary_uk": "content.summary_uk", "summary_en": "content.summary_en",
	"body_uk": "content.body_uk", "body_en": "content.body_en", "publish_at": "content.publish_at",
	"alt": "content.image_alt", "file": "content.image_file",
	"about": "content.feedback_about", "body": "content.feedback_body",
}

// itemOrder and feedbackOrder are the forms' fields in the order they
// show: the error summary lists them so.
var (
	itemOrder     = []string{"title_uk", "slug", "summary_uk", "body_uk", "title_en", "summary_en", "body_en", "publish_at", "kind", "action", "id"}
	feedbackOrder = []string{"kind", "about", "body", "id"}
)

// Problem is a field's error as the error summary lists it.
type Problem struct{ Field, Message string }

// summary lists msgs in order.
func summary(msgs map[string]string, order []string) []Problem {
	var out []Problem
	for _, f := range order {
		if m, ok := msgs[f]; ok {
			out = append(out, Problem{Field: f, Message: m})
		}
	}
	return out
}

// messages are errs in the request's language, each after its field's name.
func (h *HTTP) messages(r *http.Request, errs FieldErrors, kindLabel string) map[string]string {
	l := h.rd.Localizer(r)
	out := map[string]string{}
	for field, e := range errs {
		label := labels[field]
		if field == "kind" {
			label = kindLabel
		}
		out[field] = l.T(label) + ": " + l.Message(e.Key, e.Args)
	}
	return out
}

type feedbackData struct {
	Form    FeedbackForm
	Summary []Problem
	Errors  map[string]string
	Mine    []Feedback
	Sent    string // the number just sent
}

func (h *HTTP) handleFeedback(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.NewV7()
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	kind := FeedbackRemark
	if r.URL.Query().Get("kind") == FeedbackProposal {
		kind = FeedbackProposal
	}
	h.renderFeedback(w, r, http.StatusOK, feedbackData{Form: FeedbackForm{ID: id.String(), Kind: kind, About: r.URL.Query().Get("about")},
		Sent: r.URL.Query().Get("sent")})
}

func (h *HTTP) renderFeedback(w http.ResponseWriter, r *http.Request, status int, d feedbackData) {
	sg := identity.SignedFrom(r.Context())
	if sg == nil {
		h.rd.Error(w, r, access.ErrForbidden)
		return
	}
	mine, err := h.svc.Mine(r.Context(), sg.AccountID)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	d.Mine = mine
	h.rd.Render(w, r, status, "content/feedback", &web.Page{TitleKey: "content.feedback_title", Data: d})
}

func (h *HTTP) handleSend(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	f := FeedbackForm{ID: r.PostForm.Get("id"), Kind: r.PostForm.Get("kind"), About: r.PostForm.Get("about"), Body: r.PostForm.Get("body")}
	fb, err := h.svc.Send(r.Context(), &f)
	var errs FieldErrors
	switch {
	case err == nil:
		http.Redirect(w, r, "/feedback?sent="+strconv.FormatInt(fb.Number, 10), http.StatusSeeOther)
	case errors.As(err, &errs):
		msgs := h.messages(r, errs, "content.feedback_kind")
		h.renderFeedback(w, r, http.StatusBadRequest, feedbackData{Form: f, Errors: msgs, Summary: summary(msgs, feedbackOrder)})
	default:
		h.rd.Error(w, r, err)
	}
}

type queueData struct {
	*Quality
	Answer       map[string]string // an answer typed, kept with its error, by feedback id
	Errors       map[string]string // by feedback id
	JustAnswered string            // the number just answered
}

func (h *HTTP) handleQueue(w http.ResponseWriter, r *http.Request) {
	h.renderQueue(w, r, http.StatusOK, queueData{JustAnswered: r.URL.Query().Get("answered")})
}

func (h *HTTP) renderQueue(w http.ResponseWriter, r *http.Request, status int, d queueData) {
	q, err := h.svc.Queue(r.Context())
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	d.Quality = q
	h.rd.Render(w, r, status, "content/queue", &web.Page{TitleKey: "content.queue_title", Data: d})
}

func (h *HTTP) handleAnswer(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		h.rd.Error(w, r, ErrNotFound)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	answer := r.PostForm.Get("answer")
	err = h.svc.Answer(r.Context(), id, answer)
	if e := apperr.As(err); err != nil && (e.Code == apperr.Invalid || e.Code == apperr.Conflict) {
		h.renderQueue(w, r, http.StatusBadRequest, queueData{Answer: map[string]string{id.String(): answer},
			Errors: map[string]string{id.String(): h.rd.Localizer(r).T("content.feedback_answer") + ": " + h.rd.Localizer(r).Message(e.Key, e.Args)}})
		return
	}
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/feedback?answered="+r.PostForm.Get("number"), http.StatusSeeOther)
}

type imagesData struct {
	Images  []Image
	Form    ImageForm
	Summary []Problem
	Errors  map[string]string
	Added   *Image // the image just uploaded, its reference to copy
}

// imageOrder is the image form's fields in the order they show.
var imageOrder = []string{"file", "alt", "id"}

func (h *HTTP) handleImages(w http.ResponseWriter, r *http.Request) {
	d := imagesData{}
	if id, err := uuid.Parse(r.URL.Query().Get("added")); err == nil {
		if d.Added, err = h.svc.Image(r.Context(), id); err != nil && !errors.Is(err, ErrNotFound) {
			h.rd.Error(w, r, err)
			return
		}
	}
	h.renderImages(w, r, http.StatusOK, d)
}

func (h *HTTP) renderImages(w http.ResponseWriter, r *http.Request, status int, d imagesData) {
	imgs, err := h.svc.Images(r.Context())
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	d.Images = imgs
	if d.Form.ID == "" {
		id, err := uuid.NewV7()
		if err != nil {
			h.rd.Error(w, r, err)
			return
		}
		d.Form.ID = id.String()
	}
	h.rd.Render(w, r, status, "content/images", &web.Page{TitleKey: "content.images_title", Data: d})
}

func (h *HTTP) handleUploadImage(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		h.rd.Error(w, r, err)
		return
	}
	f := ImageForm{ID: r.PostForm.Get("id"), Alt: r.PostForm.Get("alt")}
	file, fh, err := r.FormFile("file")
	var img *Image
	switch {
	case errors.Is(err, http.ErrMissingFile):
		img, err = h.svc.UploadImage(r.Context(), f, "", nil)
	case err != nil:
		h.rd.Error(w, r, err)
		return
	default:
		defer func() { _ = file.Close() }()
		img, err = h.svc.UploadImage(r.Context(), f, fh.Filename, file)
	}
	var errs FieldErrors
	switch {
	case err == nil:
		http.Redirect(w, r, "/admin/content/images?added="+img.ID.String(), http.StatusSeeOther)
	case errors.As(err, &errs):
		msgs := h.messages(r, errs, "content.kind")
		h.renderImages(w, r, http.StatusBadRequest, imagesData{Form: f, Errors: msgs, Summary: summary(msgs, imageOrder)})
	default:
		h.rd.Error(w, r, err)
	}
}

// handleImage serves an image for the news and pages from the portal's
// own origin: its type the one sniffed at upload, cached for long (an
// image's id never shows other bytes).
func (h *HTTP) handleImage(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		h.rd.Error(w, r, ErrNotFound)
		return
	}
	img, b, err := h.svc.ImageFile(r.Context(), id)
	if err != nil {
		h.rd.Error(w, r, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", img.ContentType)
	hd.Set("Content-Length", strconv.Itoa(len(b)))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(b)
}
