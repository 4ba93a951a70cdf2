// The help panel of PSA Integration Details: the article's steps for creating the role, the API
// member and the keys in ConnectWise, in the chosen language, then where the keys go here.
import { useTranslation } from 'react-i18next';
import { useSession } from '../session.js';

const STEPS = ['s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10'] as const;
const MODULE_ROWS = ['s4a', 's4b', 's4c', 's4d', 's4e'] as const;

export function ArticleHelp() {
  const { t } = useTranslation();
  const kind = useSession().provider.kind;
  return (
    <aside className="help" aria-labelledby="help-title">
      <h2 id="help-title">{t('help.title')}</h2>
      <p>{t('help.intro')}</p>
      <ol>
        {STEPS.map((s) => (
          <li key={s}>
            {t(`help.${s}`)}
            {s === 's4' && (
              <ul>
                {MODULE_ROWS.map((r) => (
                  <li key={r}>{t(`help.${r}`)}</li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ol>
      <p className="message warning">{t('help.note')}</p>
      <p>{t('help.here', { kind })}</p>
    </aside>
  );
}
