import { useTranslation } from 'react-i18next';
import { AreaPage } from '../../components/area-page';
import { ComingLater } from '../../components/coming-later';

export function InboxPage() {
  const { t } = useTranslation();
  return (
    <AreaPage title={t('areas.inbox')} intro={t('inbox.intro')}>
      <ComingLater
        items={[
          { id: 'list', title: t('inbox.listTitle'), text: t('inbox.listText') },
          { id: 'respond', title: t('inbox.respondTitle'), text: t('inbox.respondText') },
        ]}
      />
    </AreaPage>
  );
}
