import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError, session, signIn, signOut, type Session } from './api';
import { applyLang, currentLang, t } from './i18n';

/** The page header: title, live state, language switch and sign-out. */
export function Header(props: { title: string; live?: boolean; children?: ComponentChildren }) {
  return (
    <header class="bar">
      <h1>{props.title}</h1>
      {props.live === undefined ? null : (
        <span class={props.live ? 'live on' : 'live off'} data-testid="live">
          {props.live ? t('connected') : t('reconnecting')}
        </span>
      )}
      <div class="grow">{props.children}</div>
      <button
        type="button"
        class="link"
        data-testid="lang"
        onClick={() => {
          applyLang(currentLang() === 'ar' ? 'en' : 'ar');
          location.reload();
        }}
      >
        {t('language')}
      </button>
      {session() ? (
        <button
          type="button"
          class="link"
          onClick={() => {
            signOut();
            location.reload();
          }}
        >
          {t('signOut')}
        </button>
      ) : null}
    </header>
  );
}

/** Shows the REST login until a session of one of `roles` exists, then the page. */
export function SignedIn(props: { roles: string[]; title: string; children: (s: Session) => ComponentChildren }) {
  const [current, setCurrent] = useState(session());
  const [error, setError] = useState('');
  if (current && props.roles.includes(current.account.role)) return <>{props.children(current)}</>;
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    try {
      const s = await signIn(String(form.get('identifier')), String(form.get('password')));
      if (!props.roles.includes(s.account.role)) {
        signOut();
        setError(t('wrongRole', { role: props.roles.join(', ') }));
        return;
      }
      setError('');
      setCurrent(s);
    } catch (err) {
      setError(t('signInFailed', { message: err instanceof ApiError ? err.message : String(err) }));
    }
  };
  return (
    <>
      <Header title={props.title} />
      <form class="login card" onSubmit={submit} data-testid="login">
        <label>
          {t('phoneOrEmail')}
          <input name="identifier" autocomplete="username" required />
        </label>
        <label>
          {t('password')}
          <input name="password" type="password" autocomplete="current-password" required />
        </label>
        <button type="submit">{t('signIn')}</button>
        {error ? <p class="error" role="alert">{error}</p> : null}
      </form>
    </>
  );
}
