from tests.pg import ScratchDatabase


def test_supabase_shim_reads_jwt_claims(pg: ScratchDatabase) -> None:
    claims = '{"sub": "8d0fd2b3-9ca7-4ff3-a5b2-0b7b6f3d6c11", "role": "authenticated"}'
    pg.execute(f"SELECT set_config('request.jwt.claims', '{claims}', false)")
    assert pg.query("SELECT auth.uid()::text, auth.role()") == [
        ("8d0fd2b3-9ca7-4ff3-a5b2-0b7b6f3d6c11", "authenticated")
    ]
