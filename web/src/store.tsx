import { SignedIn } from './shell';
import { t } from './i18n';
export function StorePage() {
  return <SignedIn roles={['store_owner']} title={t('storeTitle')}>{() => null}</SignedIn>;
}
