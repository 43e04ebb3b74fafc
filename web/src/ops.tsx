import { SignedIn } from './shell';
import { t } from './i18n';
export function OpsPage() {
  return <SignedIn roles={['admin']} title={t('opsTitle')}>{() => null}</SignedIn>;
}
