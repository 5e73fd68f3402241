-- Which versions of the structure and of these rules a database has is no secret: every
-- login of the product reads it, for Diagnóstico and the header (the server's version and
-- the last migration, read as the person), and so that a desktop or robot machine newer
-- than the database says "run preparar-banco" instead of failing on a missing column.
GRANT SELECT ON _sqlx_migrations, brm_shared_versions
    TO brm_operador, brm_aprovador, brm_administrador, brm_robo;
