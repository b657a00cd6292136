-- +goose Up
-- Onboarding: the operator's console says whether a city has an
-- administrator, and nothing more. hromada_operator has no privilege on any
-- tenant table, so this SECURITY DEFINER function is its one narrow window
-- onto access_grants: a yes or no per tenant, never an account, a name or a
-- РНОКПП. (The appointment itself is a River job that runs as hromada_app in
-- the city: modules/onboarding.)
--
-- Tenant tables FORCE row-level security, so the function enters the tenant
-- the way tenant.Tx does (app.tenant_id, local to the transaction) and puts
-- back what was there before it returns, so the setting never outlives the
-- call in the operator's transaction.
-- +goose StatementBegin
CREATE FUNCTION tenant_has_administrator(p_tenant uuid) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
DECLARE
    prev  text := coalesce(current_setting('app.tenant_id', true), '');
    found boolean;
BEGIN
    PERFORM set_config('app.tenant_id', p_tenant::text, true);
    SELECT EXISTS (
        SELECT 1 FROM access_grants
        WHERE tenant_id = p_tenant AND role = 'administrator' AND status <> 'revoked')
    INTO found;
    PERFORM set_config('app.tenant_id', prev, true);
    RETURN found;
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION tenant_has_administrator(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant_has_administrator(uuid) TO hromada_operator;

-- +goose Down
DROP FUNCTION tenant_has_administrator(uuid);
