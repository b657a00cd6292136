-- +goose Up
-- Onboarding: the operator's console says whether a city has an
-- administrator, and nothing more. hromada_operator has no privilege on any
-- tenant table, so this SECURITY DEFINER function is its one narrow window
-- onto access_grants: a yes or no per tenant, never an account, a name or a
-- РНОКПП. (The appointment itself is a River job that runs as hromada_app in
-- the city: modules/onboarding.)
--
-- Tenant tables FORCE row-level security, so the function enters the tenant
-- the way tenant.Tx does (app.tenant_id); its SET clause makes that setting
-- the function's own, restored when it returns, so it never outlives the call
-- in the operator's transaction.
-- +goose StatementBegin
CREATE FUNCTION tenant_has_administrator(p_tenant uuid) RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    SET app.tenant_id = ''
    AS $$
BEGIN
    PERFORM set_config('app.tenant_id', p_tenant::text, true);
    RETURN EXISTS (
        SELECT 1 FROM access_grants
        WHERE tenant_id = p_tenant AND role = 'administrator' AND status <> 'revoked');
END
$$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION tenant_has_administrator(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenant_has_administrator(uuid) TO hromada_operator;

-- +goose Down
DROP FUNCTION tenant_has_administrator(uuid);
