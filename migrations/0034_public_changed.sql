-- +goose Up
-- Every process caches what a city's public catalog pages read (the home
-- page, service cards, searches: modules/catalog's Cache); a change to
-- anything they show is announced with the city's id so that every process
-- drops that city's entries at once (as tenants_notify_change does for the
-- Host lookups). A transaction that changes many rows of one city sends one
-- notice: PostgreSQL folds identical notices of a transaction into one.

-- +goose StatementBegin
CREATE FUNCTION public_notify_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM pg_notify('hromada_public_changed', coalesce(NEW.tenant_id, OLD.tenant_id)::text);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER providers_public_changed AFTER INSERT OR UPDATE OR DELETE ON providers
    FOR EACH ROW EXECUTE FUNCTION public_notify_change();
CREATE TRIGGER life_situations_public_changed AFTER INSERT OR UPDATE OR DELETE ON life_situations
    FOR EACH ROW EXECUTE FUNCTION public_notify_change();
CREATE TRIGGER centres_public_changed AFTER INSERT OR UPDATE OR DELETE ON centres
    FOR EACH ROW EXECUTE FUNCTION public_notify_change();
CREATE TRIGGER services_public_changed AFTER INSERT OR UPDATE OR DELETE ON services
    FOR EACH ROW EXECUTE FUNCTION public_notify_change();
CREATE TRIGGER service_life_situations_public_changed AFTER INSERT OR UPDATE OR DELETE ON service_life_situations
    FOR EACH ROW EXECUTE FUNCTION public_notify_change();
CREATE TRIGGER centre_services_public_changed AFTER INSERT OR UPDATE OR DELETE ON centre_services
    FOR EACH ROW EXECUTE FUNCTION public_notify_change();
CREATE TRIGGER content_items_public_changed AFTER INSERT OR UPDATE OR DELETE ON content_items
    FOR EACH ROW EXECUTE FUNCTION public_notify_change();
-- A service with a published form is offered online on its card.
CREATE TRIGGER service_forms_public_changed AFTER INSERT OR UPDATE OR DELETE ON service_forms
    FOR EACH ROW EXECUTE FUNCTION public_notify_change();

-- +goose Down
DROP TRIGGER service_forms_public_changed ON service_forms;
DROP TRIGGER content_items_public_changed ON content_items;
DROP TRIGGER centre_services_public_changed ON centre_services;
DROP TRIGGER service_life_situations_public_changed ON service_life_situations;
DROP TRIGGER services_public_changed ON services;
DROP TRIGGER centres_public_changed ON centres;
DROP TRIGGER life_situations_public_changed ON life_situations;
DROP TRIGGER providers_public_changed ON providers;
DROP FUNCTION public_notify_change();
